"""A data row of an uploaded sheet, as the reader hands it out (see `reader`)."""

from dataclasses import dataclass
from typing import Any

from project_factory.sheets.layout import excel_row


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


#: SheetRow's own `__new__`: a frozen dataclass's `__init__` sets each field through
#: `object.__setattr__`, about a microsecond a row; `sheet_row` fills the same fields
#: (a test holds it to every field of the dataclass).
_new = object.__new__


def sheet_row(
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
