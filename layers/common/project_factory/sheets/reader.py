"""Streaming reader of an uploaded workbook's data sheet.

The sheet's XML is scanned row by row straight from the zip (see `xlsx_rows`): only
the current row and the shared strings are in memory, so a 100k-row upload never sits
in memory as cells. Values are those openpyxl's read-only mode gave (the reader used
to be built on it). Columns are found by their header text (any locale) in the first
rows, never by position.

Uploads are read under limits (see `limits`): a file past one is refused as a whole
(WorkbookError with its code), and whatever a damaged or hostile file makes the parser
raise is UNREADABLE_WORKBOOK, never an exception's class name. A value holding a
character XML cannot carry (a control character) is reported on its row
(`SheetRow.illegal`, ILLEGAL_CHARACTER) and arrives with REPLACEMENT in its place.
"""

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any, BinaryIO

from project_factory.sheets.layout import (
    HEADER_SCAN_ROWS,
    find_sheet,
    is_blank,
    locate_header,
    require_columns,
    top_row_values,
)
from project_factory.sheets.limits import DEFAULT_LIMITS, WorkbookLimits, refused
from project_factory.sheets.messages import Messages
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import SheetSpec
from project_factory.sheets.xlsx_package import DAMAGED, XlsxPackage, unreadable
from project_factory.sheets.xlsx_rows import CellValues, SheetXml, column_letters
from project_factory.sheets.xlsx_text import clean, illegal_character

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

#: What a damaged zip or sheet raises halfway through the rows.
_DAMAGED = DAMAGED

#: (row number, column -> value)
_Row = tuple[int, dict[int, Any]]


@dataclass(frozen=True)
class IllegalCell:
    """A cell of a known column holding a character XML cannot carry."""

    #: the column's code
    column: str
    #: where it is, e.g. `B7`
    cell: str
    #: the character, as `U+0001`
    character: str


@dataclass(frozen=True)
class SheetRow:
    #: the row's number in Excel (the header is usually row 1)
    row_number: int
    #: column code -> cell value, for the known columns that are not empty
    values: dict[str, Any]
    #: the cells whose values held characters XML cannot carry (replaced in `values`)
    illegal: tuple[IllegalCell, ...] = ()


def open_workbook(
    source: BinaryIO | bytes, *, read_only: bool, limits: WorkbookLimits = DEFAULT_LIMITS
) -> "Workbook":
    """An upload as an openpyxl workbook; InvalidRequestError when it is not an .xlsx file.

    For whole-workbook work on files we made (templates); uploads are read by
    `iter_sheet_rows`. The package is checked against `limits` first. openpyxl is
    imported here, not at module level: it costs ~200 ms of cold start.
    """
    from openpyxl import load_workbook

    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    XlsxPackage(stream, limits).close()
    stream.seek(0)
    try:
        if read_only:
            return load_workbook(stream, read_only=True, data_only=True)
        return load_workbook(stream, rich_text=True)
    except Exception as error:
        raise unreadable(error) from error


def iter_sheet_rows(
    source: BinaryIO | bytes,
    spec: SheetSpec,
    messages: Messages,
    *,
    json_schema: Mapping[str, Any] | None = None,
    limits: WorkbookLimits = DEFAULT_LIMITS,
) -> Iterator[SheetRow]:
    """The non-empty data rows of `spec`'s data sheet, in order.

    The columns are those of `json_schema` (the bundled schema of the spec by default).
    The package, the sheet, the header row and the required columns are checked before
    this returns, so a malformed upload fails here with InvalidRequestError (WorkbookError
    for the file itself), not halfway through; a limit passed further down the rows
    (a row or cell too large, a row too far) fails the iteration with WorkbookError.
    """
    schema = json_schema if json_schema is not None else bundled_json_schema(spec.schema_identifier)
    columns: Sequence[str] = schema.get("x-columns") or list(schema["properties"])
    package = XlsxPackage(source, limits)
    resources = ExitStack()
    resources.callback(package.close)
    try:
        title = find_sheet(package.sheet_names, spec.data_sheet, messages)
        sheet = SheetXml(resources.enter_context(package.open(package.sheet_part(title))), limits)
        values = open_values(package, sheet.prefix)
        rows = _value_rows(sheet, values)
        top, following = _split_top(rows)
        header = locate_header(title, top_row_values(top), messages.lookup(columns))
        require_columns(title, header, schema.get("required", ()), messages)
    except _DAMAGED as error:
        resources.close()
        raise unreadable(error) from error
    except BaseException:
        resources.close()
        raise
    positions = list(header.columns.items())
    below = [(number, cells) for number, cells in top if number > header.row_number]
    return _data_rows(resources, chain(below, following, rows), positions, limits)


def open_values(package: XlsxPackage, prefix: bytes) -> CellValues:
    """How the values of a sheet of `package` read: its shared strings (read once per
    package) and date styles."""
    return CellValues(package.string_table(), package.date_styles(), prefix, package.limits)


def iter_values(package: XlsxPackage, title: str) -> Iterator[_Row]:
    """(row number, column -> value) of every row of the sheet `title`, as openpyxl saw
    them (see `_value_rows`); UNREADABLE_WORKBOOK for what a damaged sheet raises."""
    try:
        with package.open(package.sheet_part(title)) as stream:
            sheet = SheetXml(stream, package.limits)
            yield from _value_rows(sheet, open_values(package, sheet.prefix))
    except _DAMAGED as error:
        raise unreadable(error) from error


def _value_rows(sheet: SheetXml, values: CellValues) -> Iterator[_Row]:
    """(row number, column -> value) of every row element, as openpyxl saw them.

    A row numbered at or before the previous one is dropped, and a cell beyond the
    row's last cell is ignored, as openpyxl did; a later cell in the same column wins.
    """
    last = 0
    for row in sheet.rows():
        if row.number <= last:
            continue
        last = row.number
        cells = sheet.cells(row)
        limit = cells[-1].column if cells else 0
        number = row.number
        yield (
            number,
            {cell.column: values.value(cell, number) for cell in cells if cell.column <= limit},
        )


def _split_top(rows: Iterator[_Row]) -> tuple[list[_Row], list[_Row]]:
    """The rows within the first HEADER_SCAN_ROWS, and the row after them if any (it was
    read to know the top had ended)."""
    top: list[_Row] = []
    for number, cells in rows:
        if number > HEADER_SCAN_ROWS:
            return top, [(number, cells)]
        top.append((number, cells))
    return top, []


def _data_rows(
    resources: ExitStack,
    rows: Iterator[_Row],
    positions: Sequence[tuple[str, int]],
    limits: WorkbookLimits,
) -> Iterator[SheetRow]:
    last_row = limits.last_row
    try:
        for row_number, cells in rows:
            if all(is_blank(value) for value in cells.values()):
                continue
            if row_number > last_row:
                raise refused(
                    "TOO_MANY_ROWS",
                    f"Row {row_number:,} holds values; uploads hold rows up to {last_row:,}",
                    row=row_number,
                )
            values = {}
            illegal = []
            for code, column in positions:
                value = cells.get(column)
                if value is None:
                    continue
                if isinstance(value, str) and (character := illegal_character(value)):
                    cell = f"{column_letters(column)}{row_number}"
                    illegal.append(IllegalCell(code, cell, f"U+{ord(character):04X}"))
                    value = clean(value)
                values[code] = value
            yield SheetRow(row_number=row_number, values=values, illegal=tuple(illegal))
    except _DAMAGED as error:
        raise unreadable(error) from error
    finally:
        resources.close()
