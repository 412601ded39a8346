"""RowValidator.validate_all with a pool: the target's lookups wait while rows are read."""

import threading
from concurrent.futures import ThreadPoolExecutor

from project_factory.sheets.reader import SheetRow
from project_factory.sheets.spec import USER
from tests.unit.sheets.support import user, validator

PHONE = "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER"


def _rows(count: int) -> list[SheetRow]:
    return [SheetRow(n, user(phone_number=9876540000 + n)) for n in range(2, count + 2)]


def _taken(values: list[str]) -> set[str]:
    """Every third phone is registered already."""
    return {value for value in values if int(value) % 3 == 0}


def test_lookups_in_a_pool_give_the_same_verdicts_in_file_order():
    # Given a target holding every third phone, and a file repeating one phone
    rows = [*_rows(40), SheetRow(42, user(phone_number=9876540002))]

    def registered(column, values):
        return _taken(values)

    # When the file is validated with and without a pool, in batches of 7
    alone = list(validator(USER, registered=registered).validate_all(rows, batch_size=7))
    with ThreadPoolExecutor(4) as pool:
        pooled = list(
            validator(USER, registered=registered).validate_all(
                rows, batch_size=7, lookups=pool, ahead=3
            )
        )

    # Then the verdicts are the same, row for row, and in file order
    assert [verdict.row_number for verdict in pooled] == [row.row_number for row in rows]
    assert pooled == alone
    assert sum("already registered" in " ".join(v.errors) for v in pooled) == 13
    assert "first appears on row 2" in " ".join(pooled[-1].errors)


def test_batches_are_asked_about_at_once_while_later_rows_are_read():
    # Given a target that answers only once two questions are waiting at the same time
    both_waiting = threading.Barrier(2, timeout=10)
    asked = []

    def registered(column, values):
        asked.append(values[0])
        both_waiting.wait()
        return set()

    # When four batches are validated with a pool of two
    with ThreadPoolExecutor(2) as pool:
        verdicts = list(
            validator(USER, registered=registered).validate_all(
                _rows(8), batch_size=2, lookups=pool, ahead=2
            )
        )

    # Then every batch was asked about (a lone question would have broken the barrier)
    assert len(asked) == 4
    assert all(verdict.valid for verdict in verdicts)


def test_no_more_batches_than_ahead_wait_for_their_answers():
    # Given a target that counts the questions waiting at once
    waiting = 0
    most = 0
    lock = threading.Lock()
    release = threading.Event()

    def registered(column, values):
        nonlocal waiting, most
        with lock:
            waiting += 1
            most = max(most, waiting)
        release.wait(0.05)
        with lock:
            waiting -= 1
        return set()

    # When 20 batches are validated with a large pool but two batches ahead
    with ThreadPoolExecutor(8) as pool:
        verdicts = list(
            validator(USER, registered=registered).validate_all(
                _rows(40), batch_size=2, lookups=pool, ahead=2
            )
        )

    # Then at most three questions (two ahead and the one concluded next) were out at once
    assert len(verdicts) == 40
    assert 1 <= most <= 3


def test_a_failed_lookup_stops_the_validation():
    # Given a target whose second question fails
    calls = []

    def registered(column, values):
        calls.append(values)
        if len(calls) == 2:
            raise ConnectionError("registry unreachable")
        return set()

    # When the file is validated with a pool
    with ThreadPoolExecutor(2) as pool:
        checking = validator(USER, registered=registered).validate_all(
            _rows(10), batch_size=2, lookups=pool, ahead=2
        )
        try:
            list(checking)
        except ConnectionError as error:
            raised = error
        else:
            raised = None

    # Then the failure reaches the caller
    assert isinstance(raised, ConnectionError)
