"""What a row with an id asks of its target (flows/plan.py): update, deactivate or skip,
judged against the record the target holds."""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from project_factory.flows.plan import plan_rows
from project_factory.sheets.validation import RowVerdict

RECORD = {"name": "Store", "capacity": 100, "boundaryCodes": ["A"], "usage": "Active"}


class _Keeper:
    updatable_fields = ("name", "capacity", "boundaryCodes", "usage")

    def __init__(self, records: dict[str, dict[str, Any]]) -> None:
        self._records = records
        self.asked: list[list[str]] = []

    def records(self, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        self.asked.append(list(ids))
        return {i: self._records[i] for i in ids if i in self._records}


def _verdict(number: int, existing_id: str | None, **fields: Any) -> RowVerdict:
    canonical = RECORD | fields
    return RowVerdict(number, canonical, [], create=existing_id is None, existing_id=existing_id)


def _plan(*verdicts: RowVerdict, records: dict | None = None):
    keeper = _Keeper(records if records is not None else {"F-1": RECORD})
    return list(plan_rows(verdicts, keeper, "mz", lambda i: f"RECORD_NOT_FOUND {i}")), keeper


def test_a_changed_field_is_an_update_of_just_that_field():
    # Given a row whose capacity differs from its record / When it is planned
    [planned], _ = _plan(_verdict(2, "F-1", capacity=250))
    # Then it is an update of that record, of the capacity alone
    assert (planned.operation, planned.record_id, planned.changes) == (
        "update",
        "F-1",
        {"capacity": 250},
    )


def test_inactive_usage_on_an_active_record_is_a_deactivation():
    # Given a row marked Inactive whose record is active / When it is planned
    [planned], _ = _plan(_verdict(2, "F-1", usage="Inactive"))
    # Then it is a deactivation
    assert (planned.operation, planned.changes) == ("deactivate", {"usage": "Inactive"})


def test_a_row_equal_to_its_record_is_skipped_with_its_id():
    # Given a row equal to its record (a whole float equals an int) / When it is planned
    [planned], _ = _plan(_verdict(2, "F-1", capacity=100.0))
    # Then nothing is sent, and the id is kept
    assert (planned.operation, planned.record_id, planned.error) == (None, "F-1", None)


def test_an_id_that_names_no_record_is_an_error():
    # Given a row whose id the target has no record of / When it is planned
    [planned], _ = _plan(_verdict(2, "F-9"))
    # Then nothing is sent and the row carries the error
    assert planned.operation is None
    assert planned.error == "RECORD_NOT_FOUND F-9"


def test_a_row_without_an_id_is_a_create_and_records_are_read_once_per_batch():
    # Given three new rows and one with an id / When they are planned
    rows = [_verdict(n, None) for n in range(2, 5)] + [_verdict(5, "F-1", name="New")]
    planned, keeper = _plan(*rows)
    # Then the new rows are creates, and the one record was read in one call
    assert [p.operation for p in planned] == ["create", "create", "create", "update"]
    assert keeper.asked == [["F-1"]]


def test_without_a_record_keeper_a_row_with_an_id_is_skipped():
    # Given a target that cannot read its records / When a row with an id is planned
    [planned] = list(plan_rows([_verdict(2, "F-1", capacity=1)], None, "mz", str))
    # Then it is skipped, as before
    assert (planned.operation, planned.error) == (None, None)


def test_records_read_in_a_pool_plan_the_same_rows_in_order():
    # Given 1,200 rows naming records (three batches), every other one changed
    records = {f"F-{n}": RECORD for n in range(1200)}
    verdicts = [
        _verdict(n + 2, f"F-{n}", capacity=100 + n % 2) if n % 3 else _verdict(n + 2, None)
        for n in range(1200)
    ]
    alone, _ = _plan(*verdicts, records=records)

    # When they are planned with the records read in a pool
    keeper = _Keeper(records)
    with ThreadPoolExecutor(3) as pool:
        pooled = list(plan_rows(verdicts, keeper, "mz", str, reads=pool, ahead=2))

    # Then the plans are the same, in order, and each batch's records were read once
    assert pooled == alone
    assert [planned.verdict.row_number for planned in pooled] == list(range(2, 1202))
    assert len(keeper.asked) == 3
