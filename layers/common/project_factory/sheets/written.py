"""Cells we write with openpyxl: never a formula, never a character XML cannot hold.

Every workbook we hand out (templates with pre-filled facilities or a parent's frozen
rows, their metadata, lists and boundary sheets) carries values that came from
elsewhere: a target's records, a boundary service, an earlier upload. Two rules hold
for all of them:

- **No formula injection** (OWASP, "CSV Injection"): a text beginning with `=`, `+`,
  `-`, `@`, a tab or a carriage return is what spreadsheet programs may evaluate. Every
  text is written as an explicit string cell (openpyxl's data type `s`, which it writes
  as an inline string, `<c t="inlineStr"><is><t>=1+2</t></is></c>`), never as a `<f>`
  formula, and never as an error cell (`#N/A` typed as text stays text). Texts that
  look like formulas also get Excel's quote prefix (`quotePrefix="1"` on their style,
  what a leading apostrophe typed in Excel sets), so a person editing the cell keeps it
  text. The value itself is left as it was, without OWASP's leading apostrophe: a
  facility called `=1+2` is read back from an upload as `=1+2`, not `'=1+2`. Numbers
  are numbers: -5 is a number cell, which no program evaluates.
- **No character XML cannot hold** (a control character from a stored value): it is
  replaced (`xlsx_text.REPLACEMENT`), so writing a template never fails for a tenant
  because of one value it stored (openpyxl raises IllegalCharacterError on them).

The processed file is written by our own XML writer, whose cells are inline strings
too (see `xlsx_edit.cell_xml`).
"""

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

from project_factory.sheets.xlsx_text import clean, illegal_character

#: What a text must not begin with to be written as it is (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: openpyxl writes a text equal to one of these as an error cell.
_ERROR_LIKE = "#"


def looks_like_formula(value: Any) -> bool:
    """True for a text a spreadsheet program might evaluate."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_value(value: Any) -> Any:
    """`value` with what XML cannot hold replaced (texts); anything else as it is."""
    return clean(value) if isinstance(value, str) else value


def text_cell(sheet: Any, value: Any, **style: Any) -> Cell:
    """A write-only cell of `value`, styled: texts are string cells (see the module)."""
    value = safe_value(value)
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def safe_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row to append to a write-only `sheet`: plain values where openpyxl writes them
    as they are, string cells for the texts it would take for formulas or errors."""
    return [
        text_cell(sheet, value) if isinstance(value, str) and _needs_cell(value) else value
        for value in values
    ]


def set_text(cell: Cell, value: Any) -> None:
    """Sets a cell of a workbook in normal mode to `value`, by the same rules."""
    value = safe_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True


def _needs_cell(text: str) -> bool:
    return (
        text.startswith(FORMULA_STARTS)
        or text.startswith(_ERROR_LIKE)
        or illegal_character(text) is not None
    )
