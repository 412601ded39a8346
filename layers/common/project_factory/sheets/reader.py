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
from dataclasses import replace
from itertools import chain
from typing import Any, BinaryIO

from project_factory.errors import InvalidRequestError
from project_factory.sheets.data_rows import data_rows, templated_rows, value_sheet_rows
from project_factory.sheets.layout import (
    Header,
    find_sheet,
    is_data_tab,
    locate_header,
    place,
    require_columns,
    top_row_values,
)
from project_factory.sheets.limits import DEFAULT_LIMITS, WorkbookLimits
from project_factory.sheets.messages import Messages
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.sheet_row import IllegalCell as IllegalCell
from project_factory.sheets.sheet_row import SheetRow as SheetRow
from project_factory.sheets.sheet_values import iter_values, open_values, split_top, value_rows
from project_factory.sheets.spec import SheetSpec, tab_value_columns
from project_factory.sheets.xlsx_package import XlsxPackage
from project_factory.sheets.xlsx_row_templates import RowTemplates
from project_factory.sheets.xlsx_rows import SheetXml
from project_factory.sheets.xlsx_zip_checks import DAMAGED, unreadable


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
        raw = sheet.rows()
        top, following = split_top(value_rows(sheet, values, raw))
        header = locate_header(title, top_row_values(top), messages.lookup(columns))
        require_columns(title, header, schema.get("required", ()), messages)
    positions = list(header.columns.items())
    below = [(number, cells) for number, cells in top if number > header.row_number]
    templates = RowTemplates(
        package.string_table(),
        package.date_styles(),
        sheet.prefix,
        limits.max_cell_chars,
        positions,
    )
    # The rows after the one that ended the top are read from the row elements (by their
    # templates where they fit), numbered after it as `value_rows` numbers them.
    last = following[-1][0] if following else 0
    rest = templated_rows(sheet, values, raw, last, templates, limits.last_row)
    return data_rows(
        resources,
        chain(value_sheet_rows(chain(below, following), positions, limits.last_row), rest),
    )


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
            read = value_sheet_rows(rows, list(header.columns.items()), limits.last_row)
            for row in data_rows(resources, read):
                yield replace(row, sheet=title)
    finally:
        package.close()
