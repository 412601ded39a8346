"""A sheet's data rows as the reader hands them out (`SheetRow`): the known columns'
values by code, blank rows dropped, characters XML cannot carry reported and replaced,
a row past the upload's last refused (TOO_MANY_ROWS).

Rows come as values by column (`sheet_values`), or, below the header of a single sheet,
straight from the row elements: there a row of a shape seen before is read at once by
its template (`xlsx_row_templates`), and any other by the usual and general readers
as before, so both give the same rows and the same errors.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from typing import Any

from project_factory.sheets.layout import excel_row, is_blank
from project_factory.sheets.limits import refused
from project_factory.sheets.sheet_row import IllegalCell, SheetRow, sheet_row
from project_factory.sheets.sheet_values import ValueRow, cell_by_cell
from project_factory.sheets.xlsx_references import column_letters
from project_factory.sheets.xlsx_row_templates import RowTemplates
from project_factory.sheets.xlsx_rows import RawRow, SheetXml
from project_factory.sheets.xlsx_text import clean, illegal_character
from project_factory.sheets.xlsx_values import CellValues
from project_factory.sheets.xlsx_zip_checks import DAMAGED, unreadable

#: (code, column) of the known columns, in the header's order
Positions = Sequence[tuple[str, int]]


def data_rows(resources: ExitStack, rows: Iterator[SheetRow]) -> Iterator[SheetRow]:
    """`rows`, with what a damaged part raises halfway as UNREADABLE_WORKBOOK, and
    `resources` closed when they end."""
    try:
        yield from rows
    except DAMAGED as error:
        raise unreadable(error) from error
    finally:
        resources.close()


def value_sheet_rows(
    rows: Iterable[ValueRow], positions: Positions, last_row: int
) -> Iterator[SheetRow]:
    """The rows of (row number, column -> value) that are not blank."""
    for row_number, cells in rows:
        row = _value_row(row_number, cells, positions, last_row)
        if row is not None:
            yield row


def templated_rows(
    sheet: SheetXml,
    values: CellValues,
    rows: Iterator[RawRow],
    last: int,
    templates: RowTemplates,
    last_row: int,
) -> Iterator[SheetRow]:
    """The rows of `rows` (the rest of `sheet.rows()`, after the row numbered `last`)
    that are not blank, each read by a template when one fits (see `RowTemplates`)."""
    known, usual, learn = templates.read, values.row, templates.learn
    positions = templates.positions
    for row in rows:
        number = row.number
        # Dropped, as `sheet_values.value_rows` drops it.
        if number <= last:
            continue
        last = number
        found = known(row.body)
        if found is not None:
            # Never blank, and never holding a character XML cannot carry.
            if excel_row(number) > last_row:
                raise _too_many_rows(excel_row(number), last_row)
            yield sheet_row(number, found, ())
            continue
        cells = usual(row.body)
        if cells is None:
            cells = cell_by_cell(sheet, values, row)
        else:
            learn(row.body)
        if (read := _value_row(number, cells, positions, last_row)) is not None:
            yield read


def _value_row(
    row_number: int, cells: Mapping[int, Any], positions: Positions, last_row: int
) -> SheetRow | None:
    """The row of `cells` (column -> value); None when it is blank."""
    values, joined = _known(cells, positions)
    # A known column holding a text not all spaces is not blank: only the other
    # rows look at every cell.
    if not joined.strip() and _blank(cells):
        return None
    if excel_row(row_number) > last_row:
        raise _too_many_rows(excel_row(row_number), last_row)
    # Every character XML cannot hold is unprintable: one C scan of the row's
    # texts rules them out for nearly every row.
    illegal = () if joined.isprintable() else _cleaned(values, positions, row_number)
    return sheet_row(row_number, values, illegal)


def _known(cells: Mapping[int, Any], positions: Positions) -> tuple[dict[str, Any], str]:
    """The values of the known columns (code -> value, None left out), and their texts
    joined."""
    get = cells.get
    values = {code: value for code, column in positions if (value := get(column)) is not None}
    return values, "".join([value for value in values.values() if isinstance(value, str)])


def _too_many_rows(row: int, last_row: int) -> Exception:
    return refused(
        "TOO_MANY_ROWS", f"Row {row:,} holds values; uploads hold rows up to {last_row:,}", row=row
    )


def _blank(cells: Mapping[int, Any]) -> bool:
    return all(is_blank(value) for value in cells.values())


def _cleaned(
    values: dict[str, Any], positions: Positions, row_number: int
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
