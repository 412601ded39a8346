"""The rows of a worksheet's XML, scanned as bytes in one streaming pass.

A sheet part is `<worksheet>`, a few settings, `<sheetData>` with one `<row>` per used
row, then more settings. The rows are by far the largest part (tens of megabytes at
100k rows), so they are read from the zip in chunks and cut into whole rows with
regular expressions: no tree, no object per XML node, and the bytes of every row and
cell are at hand to be copied unchanged by the processed-file writer.

This relies on what the format guarantees: `<` never appears in text or attribute
values, and rows and cells do not nest. Parts are taken to be UTF-8, as every
spreadsheet program writes them. Rows and cells without an `r` attribute follow
the previous one, as in Excel and openpyxl.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, BinaryIO, NamedTuple, Protocol

from project_factory.sheets.xlsx_dates import DateStyles, from_iso
from project_factory.sheets.xlsx_text import rich_text, xml_text

CHUNK_SIZE = 1 << 18
_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*?(/?)>")
#: An element's attributes, by XML's grammar: a `/` or `>` inside quotes ends nothing.
_ANY_ATTRIBUTE = rb"""[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
_ATTRIBUTES = rb"((?:\s+" + _ANY_ATTRIBUTE + rb")*)\s*"
#: A cell's attributes, capturing its column letters (`r`), style (`s`) and type (`t`)
#: whatever their order; a group keeps the value of the one repetition that set it.
_CELL_ATTRIBUTES = (
    rb"((?:\s+(?:"
    rb"""r\s*=\s*["']([A-Za-z]+)[0-9]*["']"""
    rb"""|s\s*=\s*["']([0-9]+)["']"""
    rb"""|t\s*=\s*["']([A-Za-z]+)["']"""
    rb"|" + _ANY_ATTRIBUTE + rb"))*)\s*"
)
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"']([0-9.]+)")
_COLUMNS: dict[bytes, int] = {}


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


@dataclass(frozen=True)
class _Patterns:
    row: re.Pattern[bytes]
    cell: re.Pattern[bytes]
    value: re.Pattern[bytes]
    inline: re.Pattern[bytes]
    row_start: bytes
    #: how a cell with attributes starts
    cell_start: bytes
    data_end: bytes


@cache
def _patterns(prefix: bytes) -> _Patterns:
    """Patterns for a sheet whose main namespace has `prefix` (`b""` or e.g. `b"x:"`)."""

    def element(name: bytes) -> re.Pattern[bytes]:
        tag = re.escape(prefix + name)
        # The content up to the end tag as runs of non-`<`: far faster than `.*?`.
        content = rb"([^<]*(?:<(?!/%s>)[^<]*)*)" % tag
        return re.compile(rb"(<%s%s(?:/>|>%s</%s>))" % (tag, _ATTRIBUTES, content, tag))

    cell, v = re.escape(prefix + b"c"), re.escape(prefix + b"v")
    rest = rb"([^<]*(?:<(?!/%s>)[^<]*)*)" % cell
    return _Patterns(
        row=element(b"row"),
        cell=re.compile(
            rb"(<%s%s(?:/>|>(?:<%s>([^<]*)</%s>)?%s</%s>))"
            % (cell, _CELL_ATTRIBUTES, v, v, rest, cell)
        ),
        value=element(b"v"),
        inline=element(b"is"),
        row_start=b"<" + prefix + b"row",
        cell_start=b"<" + prefix + b"c ",
        data_end=b"</" + prefix + b"sheetData>",
    )


def column_index(letters: bytes) -> int:
    """`b"A"` -> 1, `b"AB"` -> 28."""
    index = _COLUMNS.get(letters)
    if index is None:
        index = 0
        for letter in letters.upper():
            index = index * 26 + letter - 64
        # A few hundred distinct column letters at most: a cache that stays small.
        _COLUMNS[letters] = index
    return index


def column_letters(index: int) -> str:
    """1 -> `A`, 28 -> `AB`."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class SheetXml:
    """One worksheet part, read once: `head`, then `rows()`, then `tail()`.

    `head` is everything up to and including the `<sheetData>` start tag; `tail()`
    yields the rest after the rows, from `</sheetData>` on, as written.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        buffer = b""
        while (found := _SHEET_DATA.search(buffer)) is None:
            data = stream.read(CHUNK_SIZE)
            if not data:
                raise ValueError("the worksheet has no <sheetData>")
            buffer += data
        self.prefix = found.group(1)
        self.head = buffer[: found.end()]
        self._empty = bool(found.group(2))
        self._rest = buffer[found.end() :]
        self._patterns = _patterns(self.prefix)

    def rows(self) -> Iterator[RawRow]:
        """The `<row>` elements in file order, numbered as Excel numbers them."""
        number = 0
        for piece in self._pieces():
            for xml, attrs, body in self._patterns.row.findall(piece):
                found = _ROW_NUMBER.search(attrs)
                number = int(float(found.group(1))) if found else number + 1
                yield RawRow(number, attrs, body, xml)

    def cells(self, row: RawRow) -> list[RawCell]:
        """The `<c>` elements of a row, each with its 1-based column."""
        cells = []
        column = 0
        for xml, attrs, letters, style, kind, value, rest in self._patterns.cell.findall(row.body):
            column = column_index(letters) if letters else column + 1
            cells.append(RawCell(column, kind, style, value, rest, attrs, xml))
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
        return RawCell(column_index(letters), kind, style, value, rest, attrs, xml)

    def tail(self) -> Iterator[bytes]:
        """The bytes after the last row, from `</sheetData>` to the end of the part."""
        yield self._rest
        while data := self._stream.read(CHUNK_SIZE):
            yield data

    def _pieces(self) -> Iterator[bytes]:
        """The content of `<sheetData>` in pieces that each hold whole rows."""
        if self._empty:
            return
        start, end = self._patterns.row_start, self._patterns.data_end
        buffer = self._rest
        while True:
            stop = buffer.find(end)
            if stop >= 0:
                self._rest = buffer[stop:]
                yield buffer[:stop]
                return
            # Everything before the last row start is whole rows.
            cut = buffer.rfind(start)
            if cut > 0:
                yield buffer[:cut]
                buffer = buffer[cut:]
            data = self._stream.read(CHUNK_SIZE)
            if not data:
                raise ValueError("the worksheet ends inside <sheetData>")
            buffer += data


class SharedStrings(Protocol):
    """The shared-strings table, by index (a list of all texts will do)."""

    def __getitem__(self, index: int, /) -> str: ...


class CellValues:
    """Cell values as openpyxl (read-only, data only) reports them.

    Numbers are int when written without a point or exponent, else float; numbers in
    a date style are dates; `t="b"` is a bool; shared, inline and formula (`t="str"`)
    strings are str; errors (`t="e"`) are their text (`#N/A`); an empty cell is None.
    """

    def __init__(self, shared: SharedStrings, dates: DateStyles, prefix: bytes = b"") -> None:
        self._shared = shared
        self._dates = dates
        self._patterns = _patterns(prefix)
        self._inline_tags = (b"<%sis><%st>" % (prefix, prefix), b"</%st></%sis>" % (prefix, prefix))

    def value(self, cell: RawCell) -> Any:
        kind = cell.kind
        if kind == b"inlineStr":
            return self._inline(cell.rest) if cell.rest else None
        raw = self.raw_value(cell)
        if not raw:
            return None
        if kind == b"s":
            return self._shared[int(raw)]
        if not kind or kind == b"n":
            number = float(raw) if b"." in raw or b"e" in raw or b"E" in raw else int(raw)
            if self._dates.dates:
                return self._dates.value(int(cell.style or 0), number)
            return number
        if kind == b"b":
            return bool(int(raw))
        text = xml_text(raw)
        return from_iso(text) if kind == b"d" else text

    def raw_value(self, cell: RawCell) -> bytes:
        """The text of the cell's `<v>`, as written; b"" when it has none."""
        if cell.value or not cell.rest:
            return cell.value
        # a formula before the value, or a `<v>` with attributes
        found = self._patterns.value.search(cell.rest)
        return found.group(3) if found else b""

    def _inline(self, body: bytes) -> str | None:
        start, end = self._inline_tags
        if body.startswith(start) and body.endswith(end) and body.count(b"<") == 4:
            return xml_text(body[len(start) : -len(end)])
        found = self._patterns.inline.search(body)
        return rich_text(found.group(3)) if found else None
