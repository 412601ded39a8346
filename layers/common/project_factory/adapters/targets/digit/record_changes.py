"""The change side of a DIGIT record keeper (adapters/targets/base.py `RecordKeeper`): when
an update or a deactivation row is done, and what it answers.

A change's record is read before it is sent: a record that already holds the change (an
earlier attempt's lost answer) is answered without sending anything again.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from project_factory.adapters.targets.digit.sending import Results, rejected
from project_factory.domain.target_calls import Outcome, PendingRow, TargetResult, comparable

#: Canonical fields of a record, as a target's create side names them (RecordKeeper.records).
Record = Mapping[str, Any]

#: Our "usage" of a retired record (flows/plan.py INACTIVE; an adapter does not import flows).
INACTIVE = "Inactive"
ACTIVE = "Active"


def changed(row: PendingRow, output: Mapping[str, str] | None = None) -> TargetResult:
    """A row's change made: updated, or deactivated, with its record's id."""
    outcome: Outcome = "deactivated" if row.operation == "deactivate" else "updated"
    return TargetResult(row.client_ref, outcome, id=str(row.record_id), output=dict(output or {}))


def holds(record: Record, row: PendingRow) -> bool:
    """Whether a record already holds a row's change: every changed field equals the wanted
    value (compared as flows/plan.py compares them), and a deactivated record is inactive."""
    if row.operation == "deactivate" and record.get("usage") != INACTIVE:
        return False
    return all(
        comparable(record.get(name)) == comparable(value) for name, value in row.changes.items()
    )


def made(
    rows: Sequence[PendingRow],
    records: Mapping[str, Record],
    output: Callable[[Record], Mapping[str, str]] = lambda _record: {},
) -> Results:
    """The rows whose record holds their change (RecordKeeper.changes_made); others left out."""
    found: Results = {}
    for row in rows:
        record = records.get(str(row.record_id))
        if record is not None and holds(record, row):
            found[row.client_ref] = changed(row, output(record))
    return found


def record_not_found(row: PendingRow, what: str, service: str) -> TargetResult:
    """A change for a record the service does not hold (removed since the upload was planned)."""
    return rejected(row, "RECORD_NOT_FOUND", f"no {what} {row.record_id} in {service}")


def beside(path: str, endpoint: str) -> str:
    """The path of another endpoint of the same controller: `/facility/v1/_search` ->
    `/facility/v1/_update`. (DigitPaths has no update paths yet: deriving them from the
    configured search path keeps a deployment's routing of the service.)"""
    return path.rstrip("/").rsplit("/", 1)[0] + "/" + endpoint
