"""A row between its checks, and how its errors are recorded.

Every check of sheets/validation.py (the schema, the row rules, the file rules, the
target's lookups) records its errors on the same `CheckedRow` through `RowErrors`: worded
in the requester's locale as they are found, ranked by column, so a row's messages come
out in column order however many checks found them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from project_factory.sheets.messages import Messages
from project_factory.sheets.reader import SheetRow
from project_factory.sheets.remembered import Remembered
from project_factory.sheets.spec import INACTIVE


@dataclass(frozen=True)
class BoundaryRef:
    """The boundary a boundary-sheet row defines."""

    code: str
    #: the column of its level, where errors about it are reported
    column: str
    parent_code: str | None
    parent_name: str | None


@dataclass(slots=True)
class CheckedRow:
    """One row between its own checks and the file-wide ones.

    Most rows are valid: they share the empty `errors` and `failed_columns` (a row's
    first error gives it its own, see `RowErrors.fail_worded`), and the label is only
    made for the few rows a message or a later row names (`label`).
    """

    row_number: int
    values: dict[str, Any]
    #: the row as read (its `label`: where the row is, as messages name it)
    source: SheetRow | None = None
    #: the tab the row is on, across tabs (SheetRow.sheet)
    sheet: str | None = None
    #: (the column's rank, the message)
    errors: tuple[tuple[int, str], ...] = ()
    failed_columns: frozenset[str] = frozenset()
    existing_id: str | None = None
    boundary: BoundaryRef | None = None

    @property
    def label(self) -> str:
        """Where the row is, as messages name it (SheetRow.label)."""
        return self.source.label if self.source is not None else ""


def creatable(item: CheckedRow, usage_column: str | None) -> bool:
    """Valid so far, not existing already, not marked Inactive."""
    inactive = usage_column is not None and item.values.get(usage_column) == INACTIVE
    return not item.errors and item.existing_id is None and not inactive


def columns_in_order(json_schema: Mapping[str, Any]) -> list[str]:
    """The schema's columns as messages order them: `x-columns` first, then the rest."""
    properties: Mapping[str, Any] = json_schema["properties"]
    listed = [c for c in json_schema.get("x-columns", ()) if c in properties]
    return listed + [column for column in properties if column not in listed]


class RowErrors:
    """Records a row's errors, worded in one locale and ranked by their column."""

    def __init__(self, messages: Messages, locale: str, columns: Sequence[str]) -> None:
        #: the texts of headers and message codes, asked again on every invalid row
        self._texts = Remembered(lambda code: messages.text(code, locale))
        #: column -> its rank among the schema's columns (`columns_in_order`)
        self.order: Mapping[str, int] = {column: index for index, column in enumerate(columns)}

    def fail(self, item: CheckedRow, column: str, code: str, **params: Any) -> None:
        """The error `code` in `column`, its message naming the column's header."""
        message = self._texts[code].format(column=self._texts[column], **params)
        self.fail_worded(item, column, message)

    def fail_worded(self, item: CheckedRow, column: str, message: str) -> None:
        """An error already worded (a schema's own `errorMessage`) in `column`."""
        item.errors = (*item.errors, (self.order.get(column, len(self.order)), message))
        item.failed_columns = item.failed_columns | {column}

    def text(self, code: str) -> str:
        """The text of a localisation code (or the code itself) in this locale."""
        return self._texts[code]


def worded(errors: Sequence[tuple[int, str]]) -> list[str]:
    """A row's messages in column order (stable), each once; most rows have none."""
    if not errors:
        return []
    ordered = [message for _, message in sorted(errors, key=lambda error: error[0])]
    return list(dict.fromkeys(ordered))
