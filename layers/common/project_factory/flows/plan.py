"""What a row of an upload asks of its target: a create, an update, a deactivation, or
nothing (a row whose values equal the record).

A valid row that carries an id (a facility code, a user's uuid) names a record. When the
target keeps records it can read back (`RecordKeeper`: the built-in registry, the DIGIT
facility and user targets), the row is compared with that record, field by field over the
target's `updatable_fields`:

- `usage` Inactive on a record that is not: **deactivate** (usage set to Inactive);
- any updatable field that differs (a capacity, a boundary, a name): **update**, with
  just the changed fields;
- nothing differs: **skip**, keeping the id (SKIPPED, as before);
- no such record in the tenant: the row is invalid (RECORD_NOT_FOUND): an id is never
  created anew under another id.

For a target that keeps no readable records, a row with an id stays skipped.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from itertools import batched
from typing import Any

from project_factory.adapters.targets.base import RecordKeeper
from project_factory.domain.target_calls import Operation, comparable
from project_factory.lookahead import answered_in_order
from project_factory.sheets.validation import RowVerdict

INACTIVE = "Inactive"
#: rows whose records are read at once (one BatchGetItem of 100 keys is the unit)
_BATCH = 500

Records = Callable[[Sequence[str]], Mapping[str, Mapping[str, Any]]]


@dataclass(frozen=True)
class PlannedRow:
    verdict: RowVerdict
    #: None: nothing is sent (invalid, skipped, or inactive without a record)
    operation: Operation | None
    record_id: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    #: a problem found against the target's records (the row is then invalid)
    error: str | None = None


def plan_rows(
    verdicts: Iterable[RowVerdict],
    keeper: RecordKeeper | None,
    tenant_id: str,
    not_found: Callable[[str], str],
    *,
    reads: Executor | None = None,
    ahead: int = 4,
) -> Iterator[PlannedRow]:
    """Each verdict with what it asks of the target, in order; records read in batches
    (in `reads`, while later rows are validated, when it is given).

    `not_found(id)` words the error of a row whose id names no record.
    """

    def records_of(batch: tuple[RowVerdict, ...]) -> Mapping[str, Mapping[str, Any]]:
        ids = [v.existing_id for v in batch if _names_a_record(v) and v.existing_id]
        return keeper.records(tenant_id, ids) if keeper is not None and ids else {}

    batches = batched(verdicts, _BATCH, strict=False)
    for batch, records in answered_in_order(batches, records_of, reads, ahead):
        for verdict in batch:
            yield _planned(verdict, keeper, records, not_found)


def _names_a_record(verdict: RowVerdict) -> bool:
    return verdict.valid and verdict.existing_id is not None and verdict.canonical is not None


def _planned(
    verdict: RowVerdict,
    keeper: RecordKeeper | None,
    records: Mapping[str, Mapping[str, Any]],
    not_found: Callable[[str], str],
) -> PlannedRow:
    if verdict.create:
        return PlannedRow(verdict, "create")
    if keeper is None or not _names_a_record(verdict):
        return PlannedRow(verdict, None)
    assert verdict.existing_id is not None and verdict.canonical is not None
    record = records.get(verdict.existing_id)
    if record is None:
        return PlannedRow(verdict, None, error=not_found(verdict.existing_id))
    return _change_of(verdict, verdict.existing_id, verdict.canonical, record, keeper)


def _change_of(
    verdict: RowVerdict,
    record_id: str,
    wanted: Mapping[str, Any],
    record: Mapping[str, Any],
    keeper: RecordKeeper,
) -> PlannedRow:
    """What a row that names a record does to it: deactivate it, update the fields that
    differ, or nothing (the record already is as the row says)."""
    if wanted.get("usage") == INACTIVE:
        if record.get("usage") == INACTIVE:
            return PlannedRow(verdict, None, record_id=record_id)
        return PlannedRow(verdict, "deactivate", record_id, {"usage": INACTIVE})
    changes = {
        name: wanted.get(name)
        for name in keeper.updatable_fields
        if name in wanted and comparable(wanted.get(name)) != comparable(record.get(name))
    }
    if not changes:
        return PlannedRow(verdict, None, record_id=record_id)
    return PlannedRow(verdict, "update", record_id, changes)
