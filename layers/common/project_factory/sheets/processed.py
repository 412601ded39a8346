"""The processed copy of an upload: the same workbook, each data row with its outcome.

The workbook is edited in place (openpyxl normal mode), so other sheets, styles, data
validations, hidden columns and protection stay as the administrator had them. Each
data row keeps its place and gets the created id, the output columns (e.g. username),
`#status#` and `#errorDetails#`. Missing columns are appended after the last used one;
columns already there (a processed file uploaded again) are reused.
"""

import io
from collections.abc import Iterable, Mapping
from copy import copy
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from project_factory.models import RowStatus
from project_factory.sheets.layout import (
    ERRORS_COLUMN,
    HEADER_SCAN_ROWS,
    STATUS_COLUMN,
    Header,
    find_sheet,
    is_blank,
    locate_header,
)
from project_factory.sheets.messages import Messages
from project_factory.sheets.reader import open_workbook
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import SheetSpec

ERROR_SEPARATOR = "; "
_STATUS_COLUMNS = (STATUS_COLUMN, ERRORS_COLUMN)
_MIN_WIDTH = 14
_ERRORS_WIDTH = 60


@dataclass(frozen=True)
class RowResult:
    status: RowStatus
    id: str | None = None
    #: output key (see SheetSpec.output_columns) -> value
    output: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def write_processed(
    original: bytes,
    spec: SheetSpec,
    results: Mapping[int, RowResult],
    messages: Messages,
    locale: str | None,
    *,
    json_schema: Mapping[str, Any] | None = None,
) -> bytes:
    """The upload with every data row's outcome; `results` is keyed by Excel row number.

    A data row without a result is marked FAILED (it must never vanish silently).
    """
    schema = json_schema if json_schema is not None else bundled_json_schema(spec.schema_identifier)
    workbook = open_workbook(original, read_only=False)
    sheet = workbook[find_sheet(workbook.sheetnames, spec.data_sheet, messages)]
    known = [*(schema.get("x-columns") or schema["properties"]), *spec.written_columns]
    top = list(sheet.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True))
    header = locate_header(sheet.title, top, messages.lookup([*known, *_STATUS_COLUMNS]))

    data_rows, last_used = _data_rows(sheet, header)
    columns = _ensure_columns(sheet, header, last_used, spec, messages, locale)
    missing = RowResult(
        status=RowStatus.FAILED, errors=[messages.text("PF_ERR_NO_OUTCOME", locale)]
    )
    for row_number in data_rows:
        result = results.get(row_number, missing)
        _write_row(sheet, row_number, result, columns, spec)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _data_rows(sheet: Worksheet, header: Header) -> tuple[list[int], int]:
    """Numbers of the non-empty rows below the header, and the last column used anywhere."""
    rows: list[int] = []
    last_used = header.last_column
    start = header.row_number + 1
    for row_number, cells in enumerate(sheet.iter_rows(min_row=start, values_only=True), start):
        used = [index for index, value in enumerate(cells, start=1) if not is_blank(value)]
        if used:
            rows.append(row_number)
            last_used = max(last_used, used[-1])
    return rows, last_used


def _ensure_columns(
    sheet: Worksheet,
    header: Header,
    last_used: int,
    spec: SheetSpec,
    messages: Messages,
    locale: str | None,
) -> dict[str, int]:
    """Column index of every column written, appending the missing ones after `last_used`."""
    columns = dict(header.columns)
    model = sheet.cell(header.row_number, header.last_column)
    next_index = last_used + 1
    for code in (*spec.written_columns, *_STATUS_COLUMNS):
        if code in columns:
            continue
        cell = sheet.cell(header.row_number, next_index, messages.text(code, locale))
        cell._style = copy(model._style)
        width = max(_MIN_WIDTH, len(str(cell.value)) + 2)
        if code == ERRORS_COLUMN:
            width = _ERRORS_WIDTH
        sheet.column_dimensions[get_column_letter(next_index)].width = width
        columns[code] = next_index
        next_index += 1
    # Templates may hide the status columns; the processed file exists to show them.
    for code in _STATUS_COLUMNS:
        sheet.column_dimensions[get_column_letter(columns[code])].hidden = False
    return columns


def _write_row(
    sheet: Worksheet,
    row_number: int,
    result: RowResult,
    columns: Mapping[str, int],
    spec: SheetSpec,
) -> None:
    # `.value =` rather than `cell(..., value)`: the latter ignores None, and a reused
    # errors column must be cleared for a row that now succeeded.
    sheet.cell(row_number, columns[STATUS_COLUMN]).value = str(result.status)
    sheet.cell(row_number, columns[ERRORS_COLUMN]).value = (
        ERROR_SEPARATOR.join(result.errors) or None
    )
    if result.id and spec.id_column:
        sheet.cell(row_number, columns[spec.id_column]).value = result.id
    for column, value in _output_cells(spec, result.output.items()):
        sheet.cell(row_number, columns[column]).value = value


def _output_cells(spec: SheetSpec, output: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    cells = []
    for key, value in output:
        column = spec.output_columns.get(key)
        if column is None:
            raise ValueError(f"{spec.resource_type} rows have no output column for {key!r}")
        cells.append((column, value))
    return cells
