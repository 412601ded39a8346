"""Edits of a generated template in openpyxl's normal mode: columns inserted, lines added.

Generated templates are written in write-only mode (see sheets.template); a child
campaign's template is then reworked whole in memory, which its size allows: a parent
with 30k users costs about 10 s and 160 MB more than the template itself. Loading and
saving keeps the sheets' protection (the password's hash), the workbook's structure
lock, hidden sheets, dropdowns and frozen panes. (The processed file is edited the other
way, in its sheet XML's bytes: see sheets.xlsx_edit.)
"""

import io
from copy import copy

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.worksheet import Worksheet

from project_factory.sheets.layout import find_sheet
from project_factory.sheets.messages import Messages, normalise_text
from project_factory.sheets.spec import README_SHEET
from project_factory.sheets.written import set_text

#: Generated templates put their header on the first row.
HEADER_ROW = 1


def load_template(data: bytes) -> Workbook:
    """A template we generated, loaded whole (never an upload: see sheets.reader)."""
    return load_workbook(io.BytesIO(data))


def save_template(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def plain_cell(cell: Cell | MergedCell) -> Cell:
    """`cell` as the plain cell it is in a template we generated, which merges no cells.

    openpyxl's stubs type the cells of a normal-mode sheet `Cell | MergedCell`; a merged
    cell holds no value or style of its own, so one here is a template we did not write.
    """
    if isinstance(cell, MergedCell):
        raise ValueError(f"Cell {cell.coordinate} is merged: generated templates merge no cells")
    return cell


def style_array(cell: Cell) -> StyleArray:
    """The style ids of `cell` as openpyxl stores them: copying them copies its whole
    style at once, without looking each style attribute up among the workbook's styles."""
    # types-openpyxl lists `_style` in StyleableObject's __slots__ but declares no type.
    style: StyleArray = cell._style  # type: ignore[attr-defined]
    return style


def set_style_array(cell: Cell, style: StyleArray) -> None:
    """Gives `cell` the style ids `style` (see style_array)."""
    cell._style = style  # type: ignore[attr-defined]  # undeclared in the stub, as above


def header_columns(sheet: Worksheet, spellings: dict[str, str]) -> dict[str, int]:
    """Column code -> 1-based index of the header cells spelled as one of `spellings`
    (normalised text -> code, see Messages.lookup); the first cell wins."""
    found: dict[str, int] = {}
    for cell in sheet[HEADER_ROW]:
        if cell.value is None:
            continue
        code = spellings.get(normalise_text(str(cell.value)))
        if code is not None:
            found.setdefault(code, cell.column)
    return found


def insert_column(sheet: Worksheet, index: int, header: str) -> None:
    """A new column at `index` titled `header`, styled as the header cell it pushes right.

    openpyxl's insert_cols moves cells only: the widths, styles and hidden flags of the
    columns and the data validations to the right are moved here, so a dropdown or an
    unlocked column stays with its column.
    """
    sheet.insert_cols(index)
    _shift_dimensions(sheet, index)
    _shift_validations(sheet, index)
    cell = plain_cell(sheet.cell(HEADER_ROW, index))
    set_style_array(cell, copy(style_array(plain_cell(sheet.cell(HEADER_ROW, index + 1)))))
    set_text(cell, header)


def add_readme_line(book: Workbook, messages: Messages, text: str) -> None:
    """A line at the end of the readme sheet."""
    sheet = book[find_sheet(book.sheetnames, README_SHEET, messages)]
    set_text(plain_cell(sheet.cell(sheet.max_row + 1, 1)), text)


def _shift_dimensions(sheet: Worksheet, index: int) -> None:
    dimensions = sheet.column_dimensions
    for dimension in dimensions.values():
        dimension.reindex()
    moving = [dimension for dimension in dimensions.values() if _span(dimension)[0] >= index]
    for dimension in moving:
        del dimensions[dimension.index]
    for dimension in moving:
        first, last = _span(dimension)
        dimension.min = first + 1
        dimension.max = last + 1
        dimension.index = get_column_letter(first + 1)
        dimensions[dimension.index] = dimension
    for dimension in dimensions.values():
        first, last = _span(dimension)
        if first < index <= last:
            dimension.max = last + 1


def _span(dimension: ColumnDimension) -> tuple[int, int]:
    """The first and last columns of a reindexed `dimension` (reindex() sets both; the
    stub types them optional, as they are before it)."""
    if dimension.min is None or dimension.max is None:
        raise ValueError(f"Column dimension {dimension.index} has no span: not reindexed")
    return dimension.min, dimension.max


def _shift_validations(sheet: Worksheet, index: int) -> None:
    for validation in sheet.data_validations.dataValidation:
        ranges = []
        for cell_range in validation.sqref.ranges:
            moved = CellRange(cell_range.coord)
            if moved.min_col >= index:
                moved.shift(col_shift=1)
            elif moved.max_col >= index:
                moved.expand(right=1)
            ranges.append(moved)
        validation.sqref = MultiCellRange(ranges)
