"""A data sheet's rows as the processed-file writer takes them: in the pieces of whole
rows the sheet is read in, so that a piece of usual rows is written in one go
(`processed_splice.RowSplicer.rows`), and any other piece row by row.

The pieces are those `xlsx_rows.SheetXml.rows()` reads (`SheetXml.pieces`), and a piece
read row by row gives the rows `rows()` gives, by the same `RowNumbering`: the same
numbers (`r`, or the previous one's next), the same refusals in the same order (a row
past Excel's last, TOO_MANY_ROWS; a row longer than the limit, ROW_TOO_LARGE), one row
at a time. Memory stays at a piece.
"""

from collections.abc import Iterator

from project_factory.sheets.limits import WorkbookLimits
from project_factory.sheets.xlsx_rows import RawRow, SheetXml


class SheetPieces:
    """A sheet's rows in pieces, then the rest of its XML (`tail`)."""

    def __init__(self, sheet: SheetXml, limits: WorkbookLimits) -> None:
        self._sheet = sheet
        self._numbering = sheet.numbering()
        self._limit = limits.max_row_bytes

    @property
    def limit(self) -> int:
        """The longest a row's XML may be."""
        return self._limit

    @property
    def number(self) -> int:
        """The number of the last row read (the next row without `r` follows it)."""
        return self._numbering.number

    @number.setter
    def number(self, value: int) -> None:
        self._numbering.number = value

    def pieces(self) -> Iterator[bytes]:
        """The content of `<sheetData>` in pieces that each hold whole rows."""
        return self._sheet.pieces()

    def rows(self, piece: bytes) -> Iterator[RawRow]:
        """The rows of `piece`, numbered and checked as `SheetXml.rows()` does."""
        return self._numbering.rows(piece)

    def tail(self) -> Iterator[bytes]:
        """The bytes after the last row, from `</sheetData>` to the end of the part (once
        every piece is read)."""
        return self._sheet.tail()
