"""A sheet's rows as values, streamed: (row number, column -> value), as openpyxl's
read-only mode gave them (the reader used to be built on it).

The rows come straight from the sheet's XML in the zip (see `xlsx_rows`): only the
current row and the shared strings are in memory. What a damaged sheet makes the parser
raise is UNREADABLE_WORKBOOK.
"""

from collections.abc import Generator, Iterator
from typing import Any

from project_factory.sheets.layout import HEADER_SCAN_ROWS
from project_factory.sheets.xlsx_package import XlsxPackage
from project_factory.sheets.xlsx_rows import RawRow, SheetXml
from project_factory.sheets.xlsx_values import CellValues
from project_factory.sheets.xlsx_zip_checks import DAMAGED, unreadable

#: (row number, column -> value)
ValueRow = tuple[int, dict[int, Any]]


def open_values(package: XlsxPackage, prefix: bytes) -> CellValues:
    """How the values of a sheet of `package` read: its shared strings (read once per
    package) and date styles."""
    return CellValues(package.string_table(), package.date_styles(), prefix, package.limits)


def iter_values(package: XlsxPackage, title: str) -> Generator[ValueRow]:
    """(row number, column -> value) of every row of the sheet `title`, as openpyxl saw
    them (see `value_rows`); UNREADABLE_WORKBOOK for what a damaged sheet raises."""
    try:
        with package.open(package.sheet_part(title)) as stream:
            sheet = SheetXml(stream, package.limits)
            yield from value_rows(sheet, open_values(package, sheet.prefix))
    except DAMAGED as error:
        raise unreadable(error) from error


def value_rows(
    sheet: SheetXml, values: CellValues, rows: Iterator[RawRow] | None = None
) -> Iterator[ValueRow]:
    """(row number, column -> value) of every row element, as openpyxl saw them (of
    `rows`, when given: the rest of `sheet.rows()`).

    A row numbered at or before the previous one is dropped, and a cell beyond the
    row's last cell is ignored, as openpyxl did; a later cell in the same column wins.
    """
    last = 0
    usual = values.row
    for row in sheet.rows() if rows is None else rows:
        number = row.number
        if number <= last:
            continue
        last = number
        found = usual(row.body)
        yield number, found if found is not None else cell_by_cell(sheet, values, row)


def cell_by_cell(sheet: SheetXml, values: CellValues, row: RawRow) -> dict[int, Any]:
    """column -> value of every cell of `row`, read one by one (any row that is not
    usual, see `xlsx_row_values`)."""
    cells = sheet.cells(row)
    limit = cells[-1].column if cells else 0
    number = row.number
    return {cell.column: values.value(cell, number) for cell in cells if cell.column <= limit}


def split_top(rows: Iterator[ValueRow]) -> tuple[list[ValueRow], list[ValueRow]]:
    """The rows within the first HEADER_SCAN_ROWS, and the row after them if any (it was
    read to know the top had ended)."""
    top: list[ValueRow] = []
    for number, cells in rows:
        if number > HEADER_SCAN_ROWS:
            return top, [(number, cells)]
        top.append((number, cells))
    return top, []
