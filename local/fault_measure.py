"""What `make faults` counts (local/faults.py): exactly-once measured from the ground truth.

The service's records and the processed files are compared row by row, never what the
flow says of itself: a row held by the service must be reported CREATED with that id
(else it is lost), a row reported CREATED must be held (else it is a phantom), records
sharing a reference or a business key are stored twice, and a row neither held nor
reported by a processed file that exists is lost too.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

CREATED, SKIPPED = "CREATED", "SKIPPED"

#: sheet row number -> (#status#, the id column) of one processed file (None: no file)
Report = dict[int, tuple[str, str | None]] | None
Answer = tuple[str, str | None] | None


@dataclass
class Measure:
    runs: int = 0
    final: int = 0
    failed_runs: int = 0
    lost_in_service: int = 0
    lost_in_neither: int = 0
    stored_twice: int = 0
    sent_twice: int = 0
    lost_answers: int = 0
    phantom: int = 0
    not_created: int = 0
    attempts: list[int] = field(default_factory=list)
    injected: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.lost_in_service + self.lost_in_neither

    def add(self, other: "Measure") -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Record:
    """A record the service holds: its client reference, its ids, its business key."""

    ref: str
    ids: frozenset[str]
    key: str
    #: what else the service says of it (the registry: an entity without its REF claim)
    remark: str = ""


def business_key(resource_type: str, values: Mapping[str, Any]) -> str:
    """A facility's name (case and spacing aside), a user's phone (digits, no leading 0),
    from a record or from an input row (column codes)."""
    if resource_type == "facility":
        name = values.get("name", values.get("HCM_ADMIN_CONSOLE_FACILITY_NAME"))
        return " ".join(str(name or "").split()).lower()
    phone = values.get("phone", values.get("HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER"))
    return "".join(ch for ch in str(phone or "") if ch.isdigit()).lstrip("0")


def compare(
    *,
    rows_by_number: Mapping[int, Mapping[str, Any]],
    key_of: Callable[[Mapping[str, Any]], str],
    reports: Mapping[str, Report],
    records: list[Record],
) -> Measure:
    """Lost, stored twice, phantom and not created, from the processed files of the
    resources that created these rows (one, or several uploads of the same rows) and the
    records the service holds."""
    measure = Measure()
    by_key = _by_key(measure, records)
    for number, row in rows_by_number.items():
        key = key_of(row)
        held = by_key.get(key, [])
        said = {rid: (report or {}).get(number) for rid, report in reports.items()}
        _count_phantoms(measure, number, said, {i for record in held for i in record.ids})
        _count_lost_in_service(measure, number, said, held)
        if not held and not any(answer and answer[0] == CREATED for answer in said.values()):
            _count_unheld(measure, number, key, said, reports)
    return measure


def _by_key(measure: Measure, records: list[Record]) -> dict[str, list[Record]]:
    """The records by business key, counting (and noting) those stored twice."""
    by_key: dict[str, list[Record]] = {}
    for record in records:
        by_key.setdefault(record.key, []).append(record)
    measure.stored_twice = len(records) - _distinct(records)
    for key, same in by_key.items():
        if len(same) > 1:
            measure.notes.append(f"{key!r} stored {len(same)} times: {[r.ref for r in same]}")
    return by_key


def _count_unheld(
    measure: Measure,
    number: int,
    key: str,
    said: Mapping[str, Answer],
    reports: Mapping[str, Report],
) -> None:
    """A row the service does not hold and no file reports CREATED: lost when a processed
    file leaves it out, else an honest failure (not created)."""
    if any(answer is None for rid, answer in said.items() if reports[rid] is not None):
        measure.lost_in_neither += 1
        measure.notes.append(f"row {number} ({key!r}) is neither in the service nor reported")
    else:
        measure.not_created += 1


def _count_phantoms(
    measure: Measure, number: int, said: Mapping[str, Answer], ids: set[str]
) -> None:
    """Rows reported CREATED (or SKIPPED with an id) that the service does not hold."""
    for resource_id, answer in said.items():
        if answer is None:
            continue
        status, reported_id = answer
        if status in (CREATED, SKIPPED) and reported_id and reported_id not in ids:
            measure.phantom += 1
            measure.notes.append(
                f"{resource_id}:{number} reported {status} {reported_id}, "
                f"the service holds {sorted(ids) or 'nothing'}"
            )
        elif status == CREATED and not reported_id:
            measure.phantom += 1
            measure.notes.append(f"{resource_id}:{number} reported CREATED without an id")


def _count_lost_in_service(
    measure: Measure, number: int, said: Mapping[str, Answer], held: list[Record]
) -> None:
    """Records the service holds for this row that their own file does not report CREATED
    with that id."""
    for record in held:
        owner, _, owner_number = record.ref.rpartition(":")
        answer = said.get(owner) if owner_number == str(number) else None
        if answer is None or answer[0] != CREATED or answer[1] not in record.ids:
            measure.lost_in_service += 1
            remark = f", {record.remark}" if record.remark else ""
            measure.notes.append(
                f"{record.ref} is in the service ({sorted(record.ids)}{remark}), "
                f"the processed file says {answer or 'nothing'}"
            )


def _distinct(records: list[Record]) -> int:
    """How many rows the records stand for: records sharing a reference or a key are one."""
    parent = list(range(len(records)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str], int] = {}
    for index, record in enumerate(records):
        for label in (("ref", record.ref), ("key", record.key)):
            if label in first:
                parent[root(index)] = root(first[label])
            else:
                first[label] = index
    return len({root(index) for index in range(len(records))})
