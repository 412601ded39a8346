"""The rows of a worksheet's XML, scanned as bytes in one streaming pass.

A sheet part is `<worksheet>`, a few settings, `<sheetData>` with one `<row>` per used
row, then more settings. The rows are by far the largest part (tens of megabytes at
100k rows), so they are read from the zip in chunks and cut into whole rows with
regular expressions (`xml_elements`): no tree, no object per XML node, and the bytes
of every row and cell are at hand to be copied unchanged by the processed-file writer.
What a cell holds is left as bytes here; `xlsx_values` turns it into a value.

This relies on what the format guarantees: `<` never appears in text or attribute
values, and rows and cells do not nest. Parts are taken to be UTF-8, as every
spreadsheet program writes them. Rows and cells without an `r` attribute follow
the previous one, as in Excel and openpyxl.

Hostile input is read in time linear in its size and memory bounded by the limits
(see `limits`): every byte read is searched a bounded number of times (the chunk
cutter only looks at new bytes, and whitespace or text between rows is dropped, not
carried), the patterns cannot backtrack (possessive and atomic groups; an element's
content never crosses the start of another of its kind), one row's XML is at most
`max_row_bytes`, a column past XFD or a row past Excel's last is refused, and a
DOCTYPE is refused before `<sheetData>` is reached.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO, NamedTuple

from project_factory.sheets.limits import (
    DEFAULT_LIMITS,
    EXCEL_MAX_COLUMNS,
    EXCEL_MAX_ROWS,
    WorkbookLimits,
    refused,
    size_text,
)
from project_factory.sheets.xlsx_references import KNOWN_COLUMNS, column_index, row_number
from project_factory.sheets.xlsx_row_split import split_rows
from project_factory.sheets.xml_elements import (
    ANY_ATTRIBUTE,
    ElementCutter,
    element_content,
    element_pattern,
    start_tag_pattern,
)

CHUNK_SIZE = 1 << 18
_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*?(/?)>")
#: A declaration XML parsers expand (entities) or fetch (external DTDs): never allowed.
DOCTYPE = re.compile(rb"<!(?i:DOCTYPE|ENTITY)")
#: A cell's attributes, capturing its column letters (`r`), style (`s`) and type (`t`)
#: whatever their order; a group keeps the value of the one repetition that set it.
#: Each attribute is matched once, atomically: a cell that fails to match fails at
#: once, never trying the other ways its attributes could have been read.
_CELL_ATTRIBUTES = (
    rb"((?>\s++(?:"
    rb"""r\s*+=\s*+["']([A-Za-z]++)[0-9]*+["']"""
    rb"""|s\s*+=\s*+["']([0-9]++)["']"""
    rb"""|t\s*+=\s*+["']([A-Za-z]++)["']"""
    rb"|" + ANY_ATTRIBUTE + rb"))*+)\s*+"
)
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"']([0-9.]+)")


class RawCell(NamedTuple):
    #: 1-based
    column: int
    #: `t`, empty when absent (a number)
    kind: bytes
    #: `s`, empty when absent (style 0)
    style: bytes
    #: the text of a leading `<v>`, when the cell is just that (nearly all are)
    value: bytes
    #: what is inside the cell otherwise (a formula, an inline string); empty for `<c/>`
    rest: bytes
    #: the attributes of `<c ...>` and the whole element, as written
    attrs: bytes
    xml: bytes


class RawRow(NamedTuple):
    number: int
    #: the attributes of `<row ...>`, as written
    attrs: bytes
    #: what is inside the element (its cells)
    body: bytes
    #: the whole element, to copy it unchanged
    xml: bytes


#: A NamedTuple's own `__new__` is a Python function taking its fields one by one: the
#: tuple's is the same tuple made in C, a call per row and per cell saved.
_new = tuple.__new__


@dataclass(frozen=True)
class _Patterns:
    row: re.Pattern[bytes]
    row_tag: re.Pattern[bytes]
    cell: re.Pattern[bytes]
    row_start: bytes
    row_end: bytes
    #: how a cell with attributes starts
    cell_start: bytes
    data_end: bytes


@cache
def _patterns(prefix: bytes) -> _Patterns:
    """Patterns for a sheet whose main namespace has `prefix` (`b""` or e.g. `b"x:"`)."""
    cell, v = re.escape(prefix + b"c"), re.escape(prefix + b"v")
    return _Patterns(
        row=element_pattern(prefix + b"row"),
        row_tag=start_tag_pattern(prefix + b"row"),
        cell=re.compile(
            rb"(<%s%s(?:/>|>(?:<%s>([^<]*+)</%s>)?%s</%s>))"
            % (cell, _CELL_ATTRIBUTES, v, v, element_content(cell), cell)
        ),
        row_start=b"<" + prefix + b"row",
        row_end=b"</" + prefix + b"row>",
        cell_start=b"<" + prefix + b"c ",
        data_end=b"</" + prefix + b"sheetData>",
    )


def cell_pattern(prefix: bytes) -> re.Pattern[bytes]:
    """The general `<c>` pattern of a sheet whose main namespace has `prefix`: groups
    (whole, attributes, column letters, style, type, leading `<v>` text, content)."""
    return _patterns(prefix).cell


class SheetXml:
    """One worksheet part, read once: `head`, then `rows()`, then `tail()`.

    `head` is everything up to and including the `<sheetData>` start tag; `tail()`
    yields the rest after the rows, from `</sheetData>` on, as written. `scanned` counts
    the bytes searched so far: linear in the part's size, whatever it holds.
    """

    def __init__(self, stream: BinaryIO, limits: WorkbookLimits = DEFAULT_LIMITS) -> None:
        self._stream = stream
        self._limits = limits
        self.scanned = 0
        buffer = b""
        searched = 0
        while True:
            data = stream.read(CHUNK_SIZE)
            if not data:
                raise ValueError("the worksheet has no <sheetData>")
            buffer += data
            # Only the new bytes, from the last `<` before them (a tag cut in two).
            since = max(buffer.rfind(b"<", 0, searched), 0)
            self.scanned += len(buffer) - since
            if DOCTYPE.search(buffer, since):
                raise refused(
                    "XML_NOT_ALLOWED",
                    "The worksheet declares a DOCTYPE or entities, which workbooks never "
                    "need and XML attacks use; save the file again from Excel",
                )
            found = _SHEET_DATA.search(buffer, since)
            if found is not None:
                break
            searched = len(buffer)
            if len(buffer) > limits.max_row_bytes:
                raise refused(
                    "WORKBOOK_TOO_LARGE",
                    f"The worksheet has more than {size_text(limits.max_row_bytes)} of "
                    "settings before its rows",
                )
        self.prefix = found.group(1)
        self.head = buffer[: found.end()]
        self._empty = bool(found.group(2))
        self._rest = buffer[found.end() :]
        self._patterns = _patterns(self.prefix)

    def rows(self) -> Iterator[RawRow]:
        """The `<row>` elements in file order, numbered as Excel numbers them."""
        numbering = self.numbering()
        for piece in self.pieces():
            self.scanned += len(piece)
            yield from numbering.rows(piece)

    def numbering(self) -> "RowNumbering":
        """What numbers and checks this sheet's rows, piece after piece."""
        return RowNumbering(self.prefix + b"row", self._patterns.row, self._limits.max_row_bytes)

    def cells(self, row: RawRow) -> list[RawCell]:
        """The `<c>` elements of a row, each with its 1-based column."""
        cells = []
        column = 0
        known = KNOWN_COLUMNS
        for xml, attrs, letters, style, kind, value, rest in self._patterns.cell.findall(row.body):
            if letters:
                # The cache first: a call per cell is a good share of the scan.
                column = known.get(letters) or column_index(letters)
            else:
                column += 1
            if column > EXCEL_MAX_COLUMNS:
                raise _too_many_columns(row.number, letters)
            cells.append(_new(RawCell, (column, kind, style, value, rest, attrs, xml)))
        return cells

    def last_cell(self, row: RawRow) -> RawCell | None:
        """The row's last cell, read alone, when it names its column (`r`); None when
        the row has no cells or only counting all of them would tell the column."""
        body = row.body.rstrip()
        start = body.rfind(self._patterns.cell_start)
        found = self._patterns.cell.match(body, start) if start >= 0 else None
        if found is None or found.end() != len(body) or not found.group(3):
            return None
        xml, attrs, letters, style, kind, value, rest = found.groups()
        column = column_index(letters)
        if column > EXCEL_MAX_COLUMNS:
            raise _too_many_columns(row.number, letters)
        return RawCell(column, kind, style, value, rest, attrs, xml)

    def tail(self) -> Iterator[bytes]:
        """The bytes after the last row, from `</sheetData>` to the end of the part."""
        yield self._rest
        while data := self._stream.read(CHUNK_SIZE):
            yield data

    def pieces(self) -> Iterator[bytes]:
        """The content of `<sheetData>` in pieces that each hold whole rows."""
        if self._empty:
            return
        patterns = self._patterns
        cutter = ElementCutter(
            start=patterns.row_start,
            end=patterns.row_end,
            stop=patterns.data_end,
            opening=patterns.row_tag,
            limit=self._limits.max_row_bytes,
            too_large=lambda: row_too_large(None, self._limits.max_row_bytes),
        )
        data = self._rest
        while True:
            yield from cutter.feed(data)
            self.scanned += cutter.searched
            cutter.searched = 0
            if cutter.tail is not None:
                self._rest = cutter.tail
                return
            data = self._stream.read(CHUNK_SIZE)
            if not data:
                raise ValueError("the worksheet ends inside <sheetData>")


class RowNumbering:
    """The rows of a sheet's pieces, numbered as Excel numbers them (`r`, or the previous
    row's next) and refused past Excel's last row (TOO_MANY_ROWS) or longer than the
    limit (ROW_TOO_LARGE), in file order; `number` is the last row's."""

    def __init__(self, tag: bytes, pattern: "re.Pattern[bytes]", limit: int) -> None:
        self._tag, self._pattern, self.limit = tag, pattern, limit
        self.number = 0

    def rows(self, piece: bytes) -> Iterator[RawRow]:
        """The rows of `piece` (whole rows, as `SheetXml.pieces` cuts them)."""
        limit, number = self.limit, self.number
        for usual, attrs, body, xml in split_rows(piece, self._tag, self._pattern):
            if usual is not None:
                number = usual
            elif found := _ROW_NUMBER.search(attrs):
                number = row_number(found.group(1))
            else:
                number += 1
            if number > EXCEL_MAX_ROWS:
                raise refused(
                    "TOO_MANY_ROWS",
                    f"The worksheet has a row numbered past Excel's last row ({EXCEL_MAX_ROWS:,})",
                    row=number,
                )
            if len(xml) > limit:
                raise row_too_large(number, limit)
            self.number = number
            yield _new(RawRow, (number, attrs, body, xml))


def row_too_large(row: int | None, limit: int) -> Exception:
    """The refusal of a row longer than `limit`."""
    where = f"Row {row}" if row is not None else "A row"
    return refused(
        "ROW_TOO_LARGE",
        f"{where} of the worksheet is larger than {size_text(limit)} of XML; "
        "no cell of a template is near that long",
    )


def _too_many_columns(row: int, letters: bytes) -> Exception:
    reference = f"{letters[:8].decode(errors='replace')}{row}" if letters else f"in row {row}"
    return refused(
        "TOO_MANY_COLUMNS",
        f"The worksheet has a cell ({reference}) past column XFD, Excel's last",
        row=row,
    )
