"""What a finished run means to a shell: the exit code of `pf create` and `pf retry`.

0: the file did what was asked (created, or validated). 2: the input is at fault, the
file (invalid rows, or a workbook refused whole) or the request (a 4xx other than 401/403).
3: some rows failed or were not created. 1: anything else (auth, the API down, a timeout).
"""

from collections.abc import Mapping
from typing import Any

EXIT_DONE, EXIT_ERROR, EXIT_INVALID_INPUT, EXIT_ROWS_FAILED = 0, 1, 2, 3

#: Codes with which a workbook is refused whole (the README's bad-input table): the file
#: is at fault, not the service.
FILE_ERROR_CODES = frozenset(
    {
        "UNREADABLE_WORKBOOK",
        "WORKBOOK_ENCRYPTED",
        "ZIP_BOMB",
        "WORKBOOK_TOO_LARGE",
        "TOO_MANY_PARTS",
        "TOO_MANY_ROWS",
        "TOO_MANY_COLUMNS",
        "CELL_TOO_LONG",
        "STRING_TOO_LONG",
        "ROW_TOO_LARGE",
        "XML_NOT_ALLOWED",
        "FILE_TOO_LARGE",
        "DATA_SHEET_MISSING",
        "HEADER_MISSING",
        "DUPLICATE_HEADER",
        "REQUIRED_COLUMN_MISSING",
        "NO_DATA_ROWS",
        "TEMPLATE_MISMATCH",
    }
)


def run_exit_code(row: Mapping[str, Any]) -> int:
    status = row.get("status")
    details = row.get("additionalDetails") or {}
    counts = details.get("counts") or {}
    if status in ("created", "validated"):
        return EXIT_DONE
    if status == "invalid":
        return EXIT_INVALID_INPUT
    if counts.get("failed", 0) + counts.get("notCreated", 0) > 0:
        return EXIT_ROWS_FAILED
    error = details.get("error") or {}
    return EXIT_INVALID_INPUT if error.get("code") in FILE_ERROR_CODES else EXIT_ERROR


def api_exit_code(status: int) -> int:
    """A refused call: the request is at fault for a 4xx but 401/403 (who asks is)."""
    return EXIT_INVALID_INPUT if 400 <= status < 500 and status not in (401, 403) else EXIT_ERROR
