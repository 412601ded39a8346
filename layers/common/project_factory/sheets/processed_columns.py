"""Where a data sheet's written columns go in the processed file.

Columns already in the header (a processed file uploaded again) are reused; missing
ones are appended after the last used column, with their header text and a width, and
never past XFD (TOO_MANY_COLUMNS). Finding the last used column costs a pass over the
sheet, so it is made only when a column is appended; and in the usual sheet, no cell
past the header, a quick look at its XML (`processed_wide_cells`) stands for it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from project_factory.sheets.layout import ERRORS_COLUMN, Header, is_blank
from project_factory.sheets.limits import EXCEL_MAX_COLUMNS, refused
from project_factory.sheets.messages import Messages
from project_factory.sheets.processed_tabs import DataTab, TabLayout
from project_factory.sheets.processed_wide_cells import WideCells
from project_factory.sheets.xlsx_package import XlsxPackage
from project_factory.sheets.xlsx_references import column_letters
from project_factory.sheets.xlsx_rows import SheetXml

_MIN_WIDTH = 14
_ERRORS_WIDTH = 60


@dataclass(frozen=True)
class ColumnPlan:
    #: column code -> 1-based index, for every column written
    columns: dict[str, int]
    #: index -> text of the header cells to add
    new_headers: dict[int, str]
    widths: dict[int, float]
    last_column: int


def plan_columns(
    package: XlsxPackage,
    tab: DataTab,
    written: Sequence[str],
    messages: Messages,
    locale: str | None,
) -> ColumnPlan:
    """Where a data sheet's written columns go: the header's, then those it lacks."""
    header = tab.layout.header
    appended = [code for code in written if code not in header.columns]
    # Only appended columns need to know where the rows end (a full extra pass).
    last_used = _last_used(package, tab.part, tab.layout, len(appended)) if appended else 0
    return _plan(header, appended, last_used, messages, locale)


def _last_used(package: XlsxPackage, part: str, layout: TabLayout, appended: int) -> int:
    """The last column with a value in the header or any row below it."""
    header = layout.header
    last_used = header.last_column
    # (Columns that would pass XFD are refused after the full pass, as ever.)
    if 1 <= last_used <= EXCEL_MAX_COLUMNS - appended and _narrow(package, part, last_used):
        return last_used
    with package.open(part) as stream:
        sheet = SheetXml(stream, package.limits)
        for row in sheet.rows():
            if row.number <= header.row_number:
                continue
            last = sheet.last_cell(row)
            if last is not None and last.column <= last_used:
                # the usual row, as wide as the header or narrower: no need for its cells
                continue
            for cell in reversed(sheet.cells(row)):
                if cell.column <= last_used:
                    break
                if not is_blank(layout.values.value(cell, row.number)):
                    last_used = cell.column
                    break
    return last_used


def _narrow(package: XlsxPackage, part: str, last: int) -> bool:
    """Whether the sheet is seen to have no cell past column `last` without reading its
    rows (see `processed_wide_cells`): the usual sheet."""
    with package.open(part) as stream:
        sheet = SheetXml(stream, package.limits)
        return not WideCells(sheet.prefix, last).found_in(sheet.tail())


def _plan(
    header: Header, appended: list[str], last_used: int, messages: Messages, locale: str | None
) -> ColumnPlan:
    """Where every written column is: the header's, then the `appended` ones after the
    last used column, with their header text and width."""
    columns = dict(header.columns)
    new_headers: dict[int, str] = {}
    widths: dict[int, float] = {}
    for index, code in enumerate(appended, start=last_used + 1):
        text = messages.text(code, locale)
        new_headers[index] = text
        widths[index] = _ERRORS_WIDTH if code == ERRORS_COLUMN else max(_MIN_WIDTH, len(text) + 2)
        columns[code] = index
    last_column = max(columns.values())
    if last_column > EXCEL_MAX_COLUMNS:
        raise refused(
            "TOO_MANY_COLUMNS",
            f"The processed file needs column {column_letters(last_column)}, past XFD "
            f"(Excel's last column): the sheet uses columns up to {column_letters(last_used)}",
        )
    return ColumnPlan(columns, new_headers, widths, last_column)
