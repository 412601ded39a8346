"""Where things are in a workbook: the data sheet, its header row, its columns.

Shared by the streaming reader and the processed-file writer so both agree on which
sheet is the data sheet, which row is the header and which rows are data rows.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from project_factory.errors import InvalidRequestError
from project_factory.sheets.messages import Messages, normalise_text

#: Columns the processed file adds (or reuses): the original's names, kept literally.
STATUS_COLUMN = "#status#"
ERRORS_COLUMN = "#errorDetails#"
#: A validation's plan: what a create of the same file would do to each row (flows/plan.py).
PLAN_COLUMN = "#plan#"

#: A row of a file read across tabs (SheetSpec.across_tabs) is known by its place: the
#: tab's index among the workbook's sheets, then its Excel row (at most 1,048,576 < 2**21).
#: Places keep file order as plain ints, so a single-sheet file's places are its rows.
TAB_STRIDE = 1 << 21

#: The header is looked for in this many rows from the top (templates may put a title
#: or instructions above it).
HEADER_SCAN_ROWS = 5


@dataclass(frozen=True)
class Header:
    row_number: int
    #: column code -> 1-based column index
    columns: dict[str, int]
    #: 1-based index of the last non-empty header cell
    last_column: int


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def top_row_values(top: Iterable[tuple[int, Mapping[int, Any]]]) -> list[list[Any]]:
    """Rows 1 to HEADER_SCAN_ROWS as lists of values, from (row number, column -> value);
    rows and cells that are not there are empty, as openpyxl showed them."""
    rows: list[list[Any]] = [[] for _ in range(HEADER_SCAN_ROWS)]
    for number, cells in top:
        if 1 <= number <= HEADER_SCAN_ROWS:
            width = max(cells, default=0)
            rows[number - 1] = [cells.get(column) for column in range(1, width + 1)]
    return rows


def find_sheet(sheet_names: Sequence[str], sheet_code: str, messages: Messages) -> str:
    """The title of the sheet named by `sheet_code` (its code or text in any locale)."""
    spellings = messages.lookup([sheet_code])
    for name in sheet_names:
        if normalise_text(name) in spellings:
            return name
    raise InvalidRequestError(
        f"The workbook has no sheet named '{messages.text(sheet_code)}'; "
        f"its sheets are: {', '.join(sheet_names) or 'none'}",
        code="DATA_SHEET_MISSING",
        sheet=sheet_code,
    )


def locate_header(
    sheet_title: str, top_rows: Sequence[Sequence[Any]], spellings: Mapping[str, str]
) -> Header:
    """The row among `top_rows` that matches most known headers (the first on a tie).

    A known column that appears twice is refused: which copy holds the data is a guess.
    """
    best: Header | None = None
    best_duplicates: list[str] = []
    for offset, cells in enumerate(top_rows[:HEADER_SCAN_ROWS]):
        header, duplicates = _header_of(offset + 1, cells, spellings)
        if header.columns and (best is None or len(header.columns) > len(best.columns)):
            best, best_duplicates = header, duplicates
    if best is None:
        raise InvalidRequestError(
            f"Sheet '{sheet_title}' has no known header in its first {HEADER_SCAN_ROWS} rows",
            code="HEADER_MISSING",
        )
    if best_duplicates:
        raise InvalidRequestError(
            f"Sheet '{sheet_title}' has the column(s) {', '.join(map(repr, best_duplicates))} "
            f"more than once in its header (row {best.row_number}); keep one and upload again",
            code="DUPLICATE_HEADER",
        )
    return best


def _header_of(
    row_number: int, cells: Sequence[Any], spellings: Mapping[str, str]
) -> tuple[Header, list[str]]:
    """The row read as a header: the known columns it names (the first of each), and the
    texts of those it names again."""
    columns: dict[str, int] = {}
    duplicates: list[str] = []
    last_column = 0
    for index, cell in enumerate(cells, start=1):
        if is_blank(cell):
            continue
        last_column = index
        code = spellings.get(normalise_text(str(cell)))
        if code is not None and code in columns:
            duplicates.append(str(cell).strip())
        elif code is not None:
            columns[code] = index
    return Header(row_number=row_number, columns=columns, last_column=last_column), duplicates


def require_columns(
    sheet_title: str, header: Header, required: Iterable[str], messages: Messages
) -> None:
    missing = [code for code in required if code not in header.columns]
    if missing:
        names = ", ".join(f"'{messages.text(code)}'" for code in missing)
        raise InvalidRequestError(
            f"Sheet '{sheet_title}' is missing the required column(s) {names} "
            f"in its header (row {header.row_number})",
            code="REQUIRED_COLUMN_MISSING",
            columns=missing,
        )


def place(tab_index: int, row_number: int) -> int:
    """A row's place in a file read across tabs (see TAB_STRIDE)."""
    return tab_index * TAB_STRIDE + row_number


def excel_row(row_place: int) -> int:
    """The Excel row of a place (a single-sheet file's row is its own place)."""
    return row_place % TAB_STRIDE


def tab_index(row_place: int) -> int:
    """The index among the workbook's sheets of the tab holding a place."""
    return row_place // TAB_STRIDE


def is_data_tab(header: Header, key_column: str, value_columns: Iterable[str]) -> bool:
    """Whether a tab's header makes it one of a file's data tabs: it names the key column
    (the boundary code) and at least one value column (a target). The readme, the boundary
    sheet (codes, no targets) and a child template's hidden `(OLD)` copies never do."""
    return key_column in header.columns and any(
        column in header.columns for column in value_columns
    )
