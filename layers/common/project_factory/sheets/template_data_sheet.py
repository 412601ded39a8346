"""A facility or user template's data sheet: the sheet the administrator fills.

It is what the sheets reader reads back: localised headers in schema order on row 1
(frozen, locked), columns hidden per `x-hideColumn`, the pre-filled rows (e.g. the
tenant's permanent facilities), then `unlocked_rows` empty rows to fill, and a
validation per column that has one (sheets.template_validations).

Locking follows the schema: an `x-freezeColumn` column is locked in every row, an
`x-freezeColumnIfFilled` one in the pre-filled rows that have a value there; every other
cell is unlocked. Locked cells of pre-filled rows are shaded, so people see which cells
they cannot change.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from project_factory.sheets.spec import SheetSpec
from project_factory.sheets.template_book import UNLOCKED, TemplateBook, column_width, sheet_setup
from project_factory.sheets.template_boundaries import TemplateBoundaries
from project_factory.sheets.template_validations import data_column_validation, validate_column
from project_factory.sheets.written import text_cell

_FIXED_FILL = PatternFill("solid", fgColor="F2F2F2")


@dataclass(frozen=True)
class _Column:
    """A column of the data sheet, as its schema property says to write it."""

    code: str
    prop: Mapping[str, Any]
    header: str

    @property
    def frozen(self) -> bool:
        """Locked in every row."""
        return bool(self.prop.get("x-freezeColumn"))

    def fixed(self, value: Any) -> bool:
        """Whether a pre-filled `value` in this column is locked."""
        return self.frozen or (bool(self.prop.get("x-freezeColumnIfFilled")) and value is not None)


def write_data_sheet(
    book: TemplateBook,
    spec: SheetSpec,
    json_schema: Mapping[str, Any],
    boundaries: TemplateBoundaries,
    existing_rows: Sequence[Mapping[str, Any]],
    unlocked_rows: int,
) -> None:
    """The data sheet, after the readme."""
    columns = _columns(book, json_schema)
    headers = [column.header for column in columns]
    sheet = book.sheet(book.text(spec.data_sheet), widths=[column_width(text) for text in headers])
    _hide_columns(sheet, columns)
    book.header(sheet, headers)
    for row in existing_rows:
        sheet.append([_prefilled_cell(sheet, column, row.get(column.code)) for column in columns])
    _append_empty_rows(sheet, columns, unlocked_rows)
    last_row = 1 + len(existing_rows) + unlocked_rows
    codes = [boundary.code for boundary in boundaries.selected]
    _add_validations(book, sheet, spec, columns, codes, last_row)


def _columns(book: TemplateBook, json_schema: Mapping[str, Any]) -> list[_Column]:
    properties: Mapping[str, Mapping[str, Any]] = json_schema["properties"]
    codes = list(json_schema.get("x-columns") or properties)
    return [_Column(code, properties[code], book.text(code)) for code in codes]


def _hide_columns(sheet: WriteOnlyWorksheet, columns: Sequence[_Column]) -> None:
    # Column settings are written with the sheet's head: they must precede every row.
    for index, column in enumerate(columns, start=1):
        if column.prop.get("x-hideColumn"):
            sheet_setup(sheet).column_dimensions[get_column_letter(index)].hidden = True


def _prefilled_cell(sheet: WriteOnlyWorksheet, column: _Column, value: Any) -> Cell:
    if column.fixed(value):
        return text_cell(sheet, value, fill=_FIXED_FILL)
    return text_cell(sheet, value, protection=UNLOCKED)


def _append_empty_rows(sheet: WriteOnlyWorksheet, columns: Sequence[_Column], count: int) -> None:
    # The same empty cells serve every empty row: a write-only sheet writes a row as it is
    # appended, so the cells are free again at the next append.
    empty = [
        None if column.frozen else text_cell(sheet, None, protection=UNLOCKED) for column in columns
    ]
    for _ in range(count):
        sheet.append(empty)


def _add_validations(
    book: TemplateBook,
    sheet: WriteOnlyWorksheet,
    spec: SheetSpec,
    columns: Sequence[_Column],
    codes: Sequence[str],
    last_row: int,
) -> None:
    for index, column in enumerate(columns, start=1):
        # A frozen column cannot be edited, so it needs no validation.
        if column.frozen:
            continue
        validation = data_column_validation(
            book, spec, column.code, column.prop, column.header, codes
        )
        if validation is not None:
            validate_column(sheet, validation, index, last_row)
