"""Workbooks as an administrator sees them: sheets and columns found by their header text.

What an integrator's script knows of the product is the text of its templates (en_IN,
the default locale), so the columns are named here by that text; nothing is imported
from the product.
"""

import io
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

# Header texts of the en_IN templates.
FACILITY_CODE = "Facility Code"
FACILITY_NAME = "Facility Name"
FACILITY_TYPE = "Facility Type"
FACILITY_STATUS = "Facility Status"
CAPACITY = "Capacity"
BOUNDARY_CODE = "Boundary Code"
BOUNDARY_CODE_OLD = "Boundary Code_OLD"
FACILITY_USAGE = "Facility Usage"
USER_NAME = "Name of the Person"
PHONE = "Phone Number"
ROLE = "Role"
EMPLOYMENT_TYPE = "Employment Type"
USER_USAGE = "User Usage"
USER_UUID = "User Service UUID"
USERNAME = "Username"
PASSWORD = "Password"
STATUS = "#status#"
ERRORS = "#errorDetails#"
BOUNDARY_SHEET = "Boundary Data"

#: Other header texts of a column (the original's schemas call the boundary column
#: "Boundary Code (Mandatory)"): rows here use the first name, either is found.
ALIASES: Mapping[str, tuple[str, ...]] = {BOUNDARY_CODE: ("Boundary Code (Mandatory)",)}

FINAL_ROW_STATUSES = frozenset(
    {"CREATED", "INVALID", "FAILED", "NOT_CREATED", "VALID", "SKIPPED", "UPDATED", "DEACTIVATED"}
)
#: how far down a header row is looked for (title lines may sit above it)
_HEADER_SEARCH_ROWS = 10


def open_book(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def data_sheet(book: Workbook, key_header: str) -> tuple[Worksheet, int, dict[str, int]]:
    """The sheet whose header row holds `key_header`: (sheet, header row, text -> column)."""
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        for row in sheet.iter_rows(min_row=1, max_row=_HEADER_SEARCH_ROWS):
            texts = {str(cell.value).strip(): cell.column for cell in row if cell.value is not None}
            if key_header in texts:
                return sheet, row[0].row, _canonical(texts)
    raise AssertionError(f"no visible sheet has a header {key_header!r}: {book.sheetnames}")


def _canonical(columns: dict[str, int]) -> dict[str, int]:
    """Header text -> column, with a column found under an alias also under its name."""
    for name, others in ALIASES.items():
        found = next((columns[other] for other in others if other in columns), None)
        if name not in columns and found is not None:
            columns[name] = found
    return columns


def fill_rows(book: Workbook, key_header: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Writes `rows` (header text -> value) into the first rows whose key cell is empty,
    as an administrator fills a template below what it lists already; the row numbers."""
    sheet, header_row, columns = data_sheet(book, key_header)
    missing = {text for row in rows for text in row} - set(columns)
    assert not missing, f"the template has no column {sorted(missing)}: {sorted(columns)}"
    used: list[int] = []
    number = header_row
    for values in rows:
        number += 1
        while sheet.cell(number, columns[key_header]).value not in (None, ""):
            number += 1
        for text, value in values.items():
            sheet.cell(number, columns[text], value=value)
        used.append(number)
    return used


def sheet_rows(data: bytes, key_header: str) -> list[dict[str, Any]]:
    """The non-empty rows of the data sheet, as header text -> value, with `_row`."""
    book = open_book(data)
    sheet, header_row, columns = data_sheet(book, key_header)
    rows = []
    for cells in sheet.iter_rows(min_row=header_row + 1):
        values = {
            text: cells[column - 1].value
            for text, column in columns.items()
            if column - 1 < len(cells)
        }
        if any(value not in (None, "") for value in values.values()):
            rows.append(values | {"_row": cells[0].row})
    return rows


def boundary_rows(book: Workbook) -> list[dict[str, Any]]:
    """The template's boundary sheet: one dict per boundary (level columns and code)."""
    sheet = book[BOUNDARY_SHEET]
    rows = sheet.iter_rows(values_only=True)
    header = [str(value) for value in next(rows)]
    return [dict(zip(header, row, strict=False)) for row in rows if any(row)]


def localities(book: Workbook, district_name: str, count: int) -> list[str]:
    """The codes of the first `count` localities the template offers under a district."""
    codes = [
        row[BOUNDARY_CODE]
        for row in boundary_rows(book)
        if row.get("District") == district_name and row.get("Locality")
    ]
    assert len(codes) >= count, f"{district_name} offers {len(codes)} localities: {codes}"
    return codes[:count]


def assert_each_input_row_once_with_a_final_status(
    processed: Sequence[Mapping[str, Any]],
    key_header: str,
    inputs: Sequence[str],
    *,
    nothing_else: bool = True,
) -> None:
    """Every input row is in the processed file exactly once, and has a final `#status#`;
    with `nothing_else`, the file holds those rows only, in their order."""
    assert inputs, "a check over no input rows checks nothing"
    if nothing_else:
        assert [str(row[key_header]) for row in processed] == list(inputs)
    counts = Counter(str(row[key_header]) for row in processed)
    assert {key: counts[key] for key in inputs} == dict.fromkeys(inputs, 1), counts
    by_key = {str(row[key_header]): row for row in processed}
    statuses = {key: by_key[key].get(STATUS) for key in inputs}
    assert set(statuses.values()) <= FINAL_ROW_STATUSES, statuses
