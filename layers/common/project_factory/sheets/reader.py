"""Streaming reader of an uploaded workbook's data sheet.

The sheet's XML is scanned row by row straight from the zip (see `sheet_values`): only
the current row and the shared strings are in memory, so a 100k-row upload never sits
in memory as cells. Values are those openpyxl's read-only mode gave (the reader used
to be built on it). Columns are found by their header text (any locale) in the first
rows, never by position. A target file's rows are on every tab whose header names the
boundary code and a target (SheetSpec.across_tabs): they come tab after tab, in workbook
order, each numbered by its place (layout.place).

Uploads are read under limits (see `limits`): a file past one is refused as a whole
(WorkbookError with its code), and whatever a damaged or hostile file makes the parser
raise is UNREADABLE_WORKBOOK, never an exception's class name. A value holding a
character XML cannot carry (a control character) is reported on its row
(`SheetRow.illegal`, ILLEGAL_CHARACTER) and arrives with REPLACEMENT in its place.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any, BinaryIO

from project_factory.errors import InvalidRequestError
from project_factory.sheets.layout import (
    Header,
    excel_row,
    find_sheet,
    is_blank,
    is_data_tab,
    locate_header,
    place,
    require_columns,
    top_row_values,
)
from project_factory.sheets.limits import DEFAULT_LIMITS, WorkbookLimits, refused
from project_factory.sheets.messages import Messages
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.sheet_values import (
    ValueRow,
    iter_values,
    open_values,
    split_top,
    value_rows,
)
from project_factory.sheets.spec import SheetSpec, tab_value_columns
from project_factory.sheets.xlsx_package import XlsxPackage
from project_factory.sheets.xlsx_references import column_letters
from project_factory.sheets.xlsx_rows import SheetXml
from project_factory.sheets.xlsx_text import clean, illegal_character
from project_factory.sheets.xlsx_zip_checks import DAMAGED, unreadable


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
    #: the tab the row is on, for a file read across tabs (its row_number is then a place,
    #: see layout.place); None for a single data sheet
    sheet: str | None = None

    @property
    def label(self) -> str:
        """Where the row is, as a user finds it: `7`, or `7 (tab Kabul)` across tabs."""
        row = excel_row(self.row_number)
        return f"{row} ({self.sheet})" if self.sheet is not None else str(row)


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
    if spec.across_tabs:
        return _across_tabs(source, spec, messages, schema, columns, limits)
    package = XlsxPackage(source, limits)
    resources = ExitStack()
    resources.callback(package.close)
    with _closed_on_failure(resources.close):
        title = find_sheet(package.sheet_names, spec.data_sheet, messages)
        sheet = SheetXml(resources.enter_context(package.open(package.sheet_part(title))), limits)
        values = open_values(package, sheet.prefix)
        rows = value_rows(sheet, values)
        top, following = split_top(rows)
        header = locate_header(title, top_row_values(top), messages.lookup(columns))
        require_columns(title, header, schema.get("required", ()), messages)
    positions = list(header.columns.items())
    below = [(number, cells) for number, cells in top if number > header.row_number]
    return _data_rows(resources, chain(below, following, rows), positions, limits)


def _across_tabs(
    source: BinaryIO | bytes,
    spec: SheetSpec,
    messages: Messages,
    schema: Mapping[str, Any],
    columns: Sequence[str],
    limits: WorkbookLimits,
) -> Iterator[SheetRow]:
    """The rows of every data tab (layout.is_data_tab), tab after tab in workbook order,
    each numbered by its place. Every tab's header and required columns are checked before
    this returns, as for a single sheet."""
    package = XlsxPackage(source, limits)
    with _closed_on_failure(package.close):
        tabs = _data_tabs(package, spec, messages, schema, columns)
    return _tab_rows(package, tabs, limits)


@contextmanager
def _closed_on_failure(close: Callable[[], None]) -> Iterator[None]:
    """The checks made before the rows are handed out: what they opened is closed when one
    fails, and a damaged part is UNREADABLE_WORKBOOK."""
    try:
        yield
    except DAMAGED as error:  # a damaged zip or sheet, found halfway through the rows
        close()
        raise unreadable(error) from error
    except BaseException:
        close()
        raise


def _data_tabs(
    package: XlsxPackage,
    spec: SheetSpec,
    messages: Messages,
    schema: Mapping[str, Any],
    columns: Sequence[str],
) -> list[tuple[int, str, Header]]:
    """(index among the sheets, title, header) of the data tabs; DATA_SHEET_MISSING when
    there is none."""
    assert spec.boundary_column is not None
    spellings = messages.lookup(columns)
    value_columns = tab_value_columns(spec, schema)
    tabs = []
    for index, title in enumerate(package.sheet_names):
        rows = iter_values(package, title)
        top, _ = split_top(rows)
        rows.close()
        try:
            header = locate_header(title, top_row_values(top), spellings)
        except InvalidRequestError as error:
            if error.code == "HEADER_MISSING":
                continue  # a sheet of no rows of ours: the readme, the lists
            raise
        if is_data_tab(header, spec.boundary_column, value_columns):
            require_columns(title, header, schema.get("required", ()), messages)
            tabs.append((index, title, header))
    if not tabs:
        raise InvalidRequestError(
            f"The workbook has no tab with the columns "
            f"'{messages.text(spec.boundary_column)}' and a target; "
            f"its sheets are: {', '.join(package.sheet_names) or 'none'}",
            code="DATA_SHEET_MISSING",
            sheet=spec.data_sheet,
        )
    return tabs


def _tab_rows(
    package: XlsxPackage, tabs: Sequence[tuple[int, str, Header]], limits: WorkbookLimits
) -> Iterator[SheetRow]:
    try:
        for index, title, header in tabs:
            resources = ExitStack()
            rows = (
                (place(index, number), cells)
                for number, cells in iter_values(package, title)
                if number > header.row_number
            )
            for row in _data_rows(resources, rows, list(header.columns.items()), limits):
                yield replace(row, sheet=title)
    finally:
        package.close()


def _data_rows(
    resources: ExitStack,
    rows: Iterator[ValueRow],
    positions: Sequence[tuple[str, int]],
    limits: WorkbookLimits,
) -> Iterator[SheetRow]:
    last_row = limits.last_row
    try:
        for row_number, cells in rows:
            values, joined = _known(cells, positions)
            # A known column holding a text not all spaces is not blank: only the other
            # rows look at every cell.
            if not joined.strip() and _blank(cells):
                continue
            if excel_row(row_number) > last_row:
                raise _too_many_rows(excel_row(row_number), last_row)
            # Every character XML cannot hold is unprintable: one C scan of the row's
            # texts rules them out for nearly every row.
            illegal = () if joined.isprintable() else _cleaned(values, positions, row_number)
            yield _sheet_row(row_number, values, illegal)
    except DAMAGED as error:
        raise unreadable(error) from error
    finally:
        resources.close()


def _known(
    cells: Mapping[int, Any], positions: Sequence[tuple[str, int]]
) -> tuple[dict[str, Any], str]:
    """The values of the known columns (code -> value, None left out), and their texts
    joined."""
    get = cells.get
    values = {code: value for code, column in positions if (value := get(column)) is not None}
    return values, "".join([value for value in values.values() if isinstance(value, str)])


def _too_many_rows(row: int, last_row: int) -> Exception:
    return refused(
        "TOO_MANY_ROWS", f"Row {row:,} holds values; uploads hold rows up to {last_row:,}", row=row
    )


#: SheetRow's own `__new__`: a frozen dataclass's `__init__` sets each field through
#: `object.__setattr__`, about a microsecond a row; `_sheet_row` fills the same fields
#: (a test holds it to every field of the dataclass).
_new = object.__new__


def _sheet_row(
    row_number: int, values: dict[str, Any], illegal: tuple[IllegalCell, ...]
) -> SheetRow:
    """SheetRow(row_number, values, illegal), made without its `__init__` (see `_new`)."""
    row = _new(SheetRow)
    fields = row.__dict__
    fields["row_number"] = row_number
    fields["values"] = values
    fields["illegal"] = illegal
    fields["sheet"] = None
    return row


def _blank(cells: Mapping[int, Any]) -> bool:
    return all(is_blank(value) for value in cells.values())


def _cleaned(
    values: dict[str, Any], positions: Sequence[tuple[str, int]], row_number: int
) -> tuple[IllegalCell, ...]:
    """The cells of `values` holding characters XML cannot carry, in column order; their
    values are cleaned in place."""
    illegal = []
    for code, column in positions:
        value = values.get(code)
        if isinstance(value, str) and (character := illegal_character(value)):
            cell = f"{column_letters(column)}{excel_row(row_number)}"
            illegal.append(IllegalCell(code, cell, f"U+{ord(character):04X}"))
            values[code] = clean(value)
    return tuple(illegal)
