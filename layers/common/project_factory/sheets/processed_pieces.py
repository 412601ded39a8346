"""A data sheet's rows as the processed-file writer takes them: in the pieces of whole
rows the sheet is read in, so that a piece of usual rows is written in one go
(`processed_splice.RowSplicer.rows`), and any other piece row by row.

The pieces are those `xlsx_rows.SheetXml.rows()` cuts, from the same bytes (the sheet's
`tail()` before any row is read: everything after `<sheetData>`), and a piece read row
by row gives the rows `rows()` gives: the same numbers (`r`, or the previous one's
next), the same refusals in the same order (a row past Excel's last, TOO_MANY_ROWS; a
row longer than the limit, ROW_TOO_LARGE), one row at a time. Memory stays at a piece.
"""

import re
from collections.abc import Iterator

from project_factory.sheets.limits import EXCEL_MAX_ROWS, WorkbookLimits, refused, size_text
from project_factory.sheets.xlsx_references import row_number
from project_factory.sheets.xlsx_row_split import split_rows
from project_factory.sheets.xlsx_rows import RawRow, SheetXml
from project_factory.sheets.xml_elements import ElementCutter, element_pattern, start_tag_pattern

#: A row's `r` among its attributes, as `xlsx_rows` reads it.
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"']([0-9.]+)")


class SheetPieces:
    """A sheet's rows in pieces, then the rest of its XML (`tail`)."""

    def __init__(self, sheet: SheetXml, limits: WorkbookLimits) -> None:
        self._chunks = sheet.tail()
        self._limit = limits.max_row_bytes
        self._tag = sheet.prefix + b"row"
        self._row = element_pattern(self._tag)
        # `<sheetData/>` (the head ends with it): no rows, and the rest is the tail.
        self._empty = sheet.head.endswith(b"/>")
        self._rest = b""
        #: the number of the last row read (the next row without `r` follows it)
        self.number = 0

    @property
    def limit(self) -> int:
        """The longest a row's XML may be."""
        return self._limit

    def pieces(self) -> Iterator[bytes]:
        """The content of `<sheetData>` in pieces that each hold whole rows."""
        if self._empty:
            return
        prefix = self._tag[:-3]
        cutter = ElementCutter(
            start=b"<" + self._tag,
            end=b"</" + self._tag + b">",
            stop=b"</" + prefix + b"sheetData>",
            opening=start_tag_pattern(self._tag),
            limit=self._limit,
            too_large=lambda: row_too_large(None, self._limit),
        )
        for data in self._chunks:
            yield from cutter.feed(data)
            if cutter.tail is not None:
                self._rest = cutter.tail
                return
        raise ValueError("the worksheet ends inside <sheetData>")

    def rows(self, piece: bytes) -> Iterator[RawRow]:
        """The rows of `piece`, numbered and checked as `SheetXml.rows()` does."""
        for usual, attrs, body, xml in split_rows(piece, self._tag, self._row):
            if usual is not None:
                number = usual
            elif found := _ROW_NUMBER.search(attrs):
                number = row_number(found.group(1))
            else:
                number = self.number + 1
            if number > EXCEL_MAX_ROWS:
                raise refused(
                    "TOO_MANY_ROWS",
                    f"The worksheet has a row numbered past Excel's last row ({EXCEL_MAX_ROWS:,})",
                    row=number,
                )
            if len(xml) > self._limit:
                raise row_too_large(number, self._limit)
            self.number = number
            yield RawRow(number, attrs, body, xml)

    def tail(self) -> Iterator[bytes]:
        """The bytes after the last row, from `</sheetData>` to the end of the part."""
        yield self._rest
        yield from self._chunks


def row_too_large(row: int | None, limit: int) -> Exception:
    """The refusal of a row longer than `limit`, worded as the reader's."""
    where = f"Row {row}" if row is not None else "A row"
    return refused(
        "ROW_TOO_LARGE",
        f"{where} of the worksheet is larger than {size_text(limit)} of XML; "
        "no cell of a template is near that long",
    )
