"""A child campaign's data sheet: the parent's rows kept and frozen, then rows to fill.

A child campaign's facility and user templates start from the parent's processed file.
Each of its data rows comes back as the sheets reader reads it: the schema's columns
only (so `#status#` and `#errorDetails#` stay behind), with the id it was created with
and, for users, the username; passwords never leave the processed file. The template
is built with these rows pre-filled first (build_template's `existing_rows`), then
`freeze_rows` freezes them:

- every cell locked, except the boundary code: the admin may move a row to one of the
  child's new boundaries;
- the old boundary codes kept in a hidden, locked column `<header>_OLD`
  (HCM_ADMIN_CONSOLE_BOUNDARY_CODE_OLD) just before that fresh, editable column.

Uploaded again, a frozen row carries its id, so the validator takes it as existing
(create=False with its existing_id): it is skipped and keeps its id, never created
twice. The `_OLD` column is no schema column: the reader finds columns by their header
text and leaves unknown headers alone. The empty rows below stay unlocked for new rows.
"""

from collections.abc import Mapping
from copy import copy
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import PatternFill, Protection
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from project_factory.sheets.layout import find_sheet
from project_factory.sheets.messages import Messages
from project_factory.sheets.openpyxl_edit import (
    HEADER_ROW,
    add_readme_line,
    header_columns,
    insert_column,
    load_template,
    plain_cell,
    save_template,
    set_style_array,
    style_array,
)
from project_factory.sheets.reader import iter_sheet_rows
from project_factory.sheets.spec import SheetSpec
from project_factory.sheets.written import set_text

OLD_BOUNDARY_COLUMN = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE_OLD"
#: The grey of the template's fixed cells: frozen rows read as not to be typed in.
FROZEN_FILL = PatternFill("solid", fgColor="F2F2F2")
_LOCKED = Protection(locked=True)
_UNLOCKED = Protection(locked=False)


def parent_rows(
    processed: bytes, spec: SheetSpec, messages: Messages, json_schema: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every data row of a parent's processed file (column code -> value), in file order,
    without the secret outputs."""
    # Processed files leave the password column empty; one written before they did may
    # still hold passwords, which are never copied into a template.
    secret = {spec.output_columns[key] for key in spec.secret_outputs}
    return [
        {code: value for code, value in row.values.items() if code not in secret}
        for row in iter_sheet_rows(processed, spec, messages, json_schema=json_schema)
    ]


def freeze_rows(
    template: bytes, spec: SheetSpec, count: int, messages: Messages, locale: str
) -> bytes:
    """`template` with its first `count` data rows frozen (see the module's docstring).

    The rows must be pre-filled already, their boundary codes in the boundary column.
    """
    if spec.boundary_column is None:
        raise ValueError(f"{spec.resource_type} rows have no boundary column to keep")
    book = load_template(template)
    sheet = book[find_sheet(book.sheetnames, spec.data_sheet, messages)]
    old = header_columns(sheet, messages.lookup([spec.boundary_column]))[spec.boundary_column]
    insert_column(sheet, old, messages.text(OLD_BOUNDARY_COLUMN, locale))
    sheet.column_dimensions[get_column_letter(old)].hidden = True
    fresh = old + 1
    frozen_styles = _FrozenStyles()
    for row in sheet.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + count):
        # A text cell copied as a text cell: a code beginning with `=` stays no formula.
        set_text(plain_cell(row[old - 1]), row[fresh - 1].value)
        for cell in row:
            if cell.column == fresh:
                cell.protection = _UNLOCKED
            else:
                frozen_styles.freeze(plain_cell(cell))
    add_readme_line(book, messages, messages.text("HCM_README_FROZEN_ROWS", locale))
    return save_template(book)


class _FrozenStyles:
    """Locks cells and greys them, working out each frozen style once.

    Setting a style attribute makes openpyxl look the new style up among the workbook's
    styles, which costs most of the time of a large sheet; cells that had the same style
    get the same frozen one, copied.
    """

    def __init__(self) -> None:
        self._frozen: dict[tuple[int, ...], StyleArray] = {}

    def freeze(self, cell: Cell) -> None:
        # A cell openpyxl created for the row has no style yet: Excel's default.
        key = tuple(style_array(cell)) if cell.has_style else ()
        known = self._frozen.get(key)
        if known is not None:
            set_style_array(cell, copy(known))
            return
        cell.protection = _LOCKED
        cell.fill = FROZEN_FILL
        self._frozen[key] = copy(style_array(cell))
