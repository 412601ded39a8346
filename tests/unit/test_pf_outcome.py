"""pf's exit codes for a finished run, as a shell script branches on them."""

import pytest

from pf.outcome import (
    EXIT_DONE,
    EXIT_ERROR,
    EXIT_INVALID_INPUT,
    EXIT_ROWS_FAILED,
    api_exit_code,
    run_exit_code,
)


def _row(status: str, error: str | None = None, **counts: int) -> dict:
    details: dict = {"counts": counts}
    if error:
        details["error"] = {"code": error, "message": "m"}
    return {"status": status, "additionalDetails": details}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (_row("created", total=3, created=3), EXIT_DONE),
        (_row("validated", total=3), EXIT_DONE),
        (_row("invalid", total=3, invalid=1), EXIT_INVALID_INPUT),
        (_row("partially-created", total=3, created=2, failed=1), EXIT_ROWS_FAILED),
        (_row("failed", total=3, notCreated=3), EXIT_ROWS_FAILED),
        (_row("failed", "UNREADABLE_WORKBOOK"), EXIT_INVALID_INPUT),
        (_row("failed", "ZIP_BOMB"), EXIT_INVALID_INPUT),
        (_row("failed", "TRANSIENT_ERROR"), EXIT_ERROR),
    ],
    ids=lambda value: value if isinstance(value, int) else value["status"],
)
def test_a_finished_run_exits_with_the_code_of_what_became_of_it(row, expected):
    # Given a final resource row / When pf ends on it / Then its exit code says what it was
    assert run_exit_code(row) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, EXIT_INVALID_INPUT),
        (404, EXIT_INVALID_INPUT),
        (401, EXIT_ERROR),
        (403, EXIT_ERROR),
        (500, EXIT_ERROR),
        (503, EXIT_ERROR),
    ],
)
def test_a_refused_call_is_invalid_input_only_when_the_request_is_at_fault(status, expected):
    assert api_exit_code(status) == expected
