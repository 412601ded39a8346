"""What Finalize counts while the processed file is written: the resource's final status.

The rows stream past once (flows/finalize.py): each is tallied as it goes by, and for a
validation its plan is worded, so no table of all rows is ever held.
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from project_factory.domain.resources import ResourceRow, ResourceStatus, RowStatus
from project_factory.sheets.layout import excel_row
from project_factory.sheets.messages import Messages
from project_factory.sheets.processed_results import RowResult
from project_factory.sheets.spec import SheetSpec

#: per-row errors kept in the database (the full list is in the processed file)
MAX_STORED_ERRORS = 100
_FAILING = frozenset({RowStatus.INVALID, RowStatus.FAILED, RowStatus.NOT_CREATED})
#: a row's result, with the verdict line Validate wrote for it
ResultLine = tuple[RowResult, dict[str, Any]]


@dataclass
class Tally:
    """Counts and the first errors, gathered while the results stream past."""

    statuses: Counter[RowStatus] = field(default_factory=Counter)
    row_errors: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    #: a validation's plan, counted: create, update, deactivate, skip, invalid
    plans: Counter[str] = field(default_factory=Counter)

    def observe(
        self, results: Iterator[tuple[int, ResultLine]], planner: "Planner | None"
    ) -> Iterator[tuple[int, RowResult]]:
        for number, (result, line) in results:
            if planner is not None:
                kind, text = planner.plan(result, line)
                self.plans[kind] += 1
                result = replace(result, plan=text)
            self.statuses[result.status] += 1
            failing = result.status in _FAILING
            if failing and len(self.row_errors) < MAX_STORED_ERRORS:
                self.row_errors.append(
                    {"row": excel_row(number)}
                    # a target file's rows are on its tabs (their numbers are places)
                    | ({"sheet": line["sheet"]} if "sheet" in line else {})
                    | {"status": result.status.value, "errors": result.errors}
                )
            yield number, result

    def counts(self) -> dict[str, int]:
        return {
            "total": sum(self.statuses.values()),
            "created": self.statuses[RowStatus.CREATED],
            "invalid": self.statuses[RowStatus.INVALID],
            "failed": self.statuses[RowStatus.FAILED],
            "notCreated": self.statuses[RowStatus.NOT_CREATED],
            "skipped": self.statuses[RowStatus.SKIPPED],
            "updated": self.statuses[RowStatus.UPDATED],
            "deactivated": self.statuses[RowStatus.DEACTIVATED],
            "attempts": self.attempts,
        }


class Planner:
    """A validation's plan (`#plan#`, and additionalDetails.plan counted): what a create of
    the same file would do to each row: create, update (with the changed columns),
    deactivate, skip (nothing to do: an existing record as it is), or invalid."""

    def __init__(self, spec: SheetSpec, messages: Messages, locale: str) -> None:
        self._headers = {key: messages.text(column, locale) for key, column in spec.fields.items()}

    def plan(self, result: RowResult, line: dict[str, Any]) -> tuple[str, str]:
        """(the kind counted, the text of the row's #plan# cell)."""
        if result.status is RowStatus.INVALID:
            return "invalid", "invalid"
        sent = line.get("send", line["create"])
        operation = line.get("operation") or ("create" if line["create"] else None)
        if not sent or operation is None:
            return "skip", "skip"
        if operation == "update":
            changed = ", ".join(self._headers.get(name, name) for name in line.get("changes") or [])
            return "update", f"update: {changed}"
        return operation, operation


def final_status(row: ResourceRow, counts: dict[str, int]) -> ResourceStatus:
    if counts["invalid"]:
        return ResourceStatus.INVALID
    if row.action == "validate":
        return ResourceStatus.VALIDATED
    if counts["failed"] + counts["notCreated"] == 0:
        return ResourceStatus.CREATED
    if counts["created"] + counts["updated"] + counts["deactivated"]:
        return ResourceStatus.PARTIALLY_CREATED
    return ResourceStatus.FAILED
