"""Streaming reader of an uploaded workbook's data sheet.

openpyxl's read-only mode parses the sheet row by row, so a 30k-row upload never sits in
memory as cells: only the current row and its values are alive. Columns are found by
their header text (any locale) in the first rows, never by position.
"""

import io
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, BinaryIO

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from project_factory.errors import InvalidRequestError
from project_factory.sheets.layout import (
    HEADER_SCAN_ROWS,
    find_sheet,
    is_empty_row,
    locate_header,
    require_columns,
)
from project_factory.sheets.messages import Messages
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import SheetSpec


@dataclass(frozen=True)
class SheetRow:
    #: the row's number in Excel (the header is usually row 1)
    row_number: int
    #: column code -> cell value, for the known columns that are not empty
    values: dict[str, Any]


def open_workbook(source: BinaryIO | bytes, *, read_only: bool) -> Workbook:
    """An upload as an openpyxl workbook; InvalidRequestError when it is not an .xlsx file."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        if read_only:
            return load_workbook(stream, read_only=True, data_only=True)
        return load_workbook(stream, rich_text=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise InvalidRequestError(
            "The file is not a readable Excel workbook (.xlsx)", code="UNREADABLE_WORKBOOK"
        ) from error


def iter_sheet_rows(
    source: BinaryIO | bytes,
    spec: SheetSpec,
    messages: Messages,
    *,
    json_schema: Mapping[str, Any] | None = None,
) -> Iterator[SheetRow]:
    """The non-empty data rows of `spec`'s data sheet, in order.

    The columns are those of `json_schema` (the bundled schema of the spec by default).
    The sheet, the header row and the required columns are checked before this returns,
    so a malformed upload fails here with InvalidRequestError, not halfway through.
    """
    schema = json_schema if json_schema is not None else bundled_json_schema(spec.schema_identifier)
    columns: Sequence[str] = schema.get("x-columns") or list(schema["properties"])
    workbook = open_workbook(source, read_only=True)
    try:
        title = find_sheet(workbook.sheetnames, spec.data_sheet, messages)
        sheet = workbook[title]
        # Some writers record a wrong sheet size; without it openpyxl reads to the real end.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        top = list(islice(rows, HEADER_SCAN_ROWS))
        header = locate_header(title, top, messages.lookup(columns))
        require_columns(title, header, schema.get("required", ()), messages)
    except BaseException:
        workbook.close()
        raise
    positions = [(code, index - 1) for code, index in header.columns.items()]
    remaining = chain(top[header.row_number :], rows)
    return _data_rows(workbook, remaining, header.row_number + 1, positions)


def _data_rows(
    workbook: Workbook,
    rows: Iterator[Sequence[Any]],
    first_row_number: int,
    positions: Sequence[tuple[str, int]],
) -> Iterator[SheetRow]:
    try:
        for row_number, cells in enumerate(rows, start=first_row_number):
            if is_empty_row(cells):
                continue
            values = {
                code: cells[index]
                for code, index in positions
                if index < len(cells) and cells[index] is not None
            }
            yield SheetRow(row_number=row_number, values=values)
    finally:
        workbook.close()
