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
from typing import Any, BinaryIO, NamedTuple, Protocol

from project_factory.sheets.limits import (
    DEFAULT_LIMITS,
    EXCEL_MAX_COLUMNS,
    EXCEL_MAX_ROWS,
    WorkbookLimits,
    refused,
    size_text,
)
from project_factory.sheets.xlsx_dates import DateStyles, from_iso
from project_factory.sheets.xlsx_text import rich_text, xml_text

CHUNK_SIZE = 1 << 18
_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*?(/?)>")
#: A declaration XML parsers expand (entities) or fetch (external DTDs): never allowed.
DOCTYPE = re.compile(rb"<!(?i:DOCTYPE|ENTITY)")
#: An element's attributes, by XML's grammar: a `/` or `>` inside quotes ends nothing.
_ANY_ATTRIBUTE = rb"""[^\s=/>]++\s*+=\s*+(?:"[^"]*+"|'[^']*+')"""
_ATTRIBUTES = rb"((?:\s++" + _ANY_ATTRIBUTE + rb")*+)\s*+"
#: A cell's attributes, capturing its column letters (`r`), style (`s`) and type (`t`)
#: whatever their order; a group keeps the value of the one repetition that set it.
#: Each attribute is matched once, atomically: a cell that fails to match fails at
#: once, never trying the other ways its attributes could have been read.
_CELL_ATTRIBUTES = (
    rb"((?>\s++(?:"
    rb"""r\s*+=\s*+["']([A-Za-z]++)[0-9]*+["']"""
    rb"""|s\s*+=\s*+["']([0-9]++)["']"""
    rb"""|t\s*+=\s*+["']([A-Za-z]++)["']"""
    rb"|" + _ANY_ATTRIBUTE + rb"))*+)\s*+"
)
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"']([0-9.]+)")
_COLUMNS: dict[bytes, int] = {}
#: A row number of this many digits or more is past Excel's last row.
_ROW_DIGITS = len(str(EXCEL_MAX_ROWS)) + 1
#: Column letters longer than this name no column (XFD is the last).
_MAX_LETTERS = 3


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
    row_tag: re.Pattern[bytes]
    cell: re.Pattern[bytes]
    value: re.Pattern[bytes]
    inline: re.Pattern[bytes]
    row_start: bytes
    row_end: bytes
    #: how a cell with attributes starts
    cell_start: bytes
    data_end: bytes


def _content(tag: bytes) -> bytes:
    """What is inside `<tag>...</tag>`: runs of non-`<` up to the end tag, never across
    the start of another `tag` (an element left open fails where the next one starts)."""
    return rb"([^<]*+(?:<(?!/%s>|%s[\s/>])[^<]*+)*+)" % (tag, tag)


def element_pattern(tag: bytes) -> re.Pattern[bytes]:
    """`<tag ...>...</tag>` or `<tag .../>`: groups (whole, attributes, content)."""
    tag = re.escape(tag)
    return re.compile(rb"(<%s%s(?:/>|>%s</%s>))" % (tag, _ATTRIBUTES, _content(tag), tag))


def start_tag_pattern(tag: bytes) -> re.Pattern[bytes]:
    """The start tag `<tag ...>` or `<tag .../>`: groups (attributes, `/` or empty)."""
    return re.compile(rb"<%s%s(/?)>" % (re.escape(tag), _ATTRIBUTES))


@cache
def _patterns(prefix: bytes) -> _Patterns:
    """Patterns for a sheet whose main namespace has `prefix` (`b""` or e.g. `b"x:"`)."""
    cell, v = re.escape(prefix + b"c"), re.escape(prefix + b"v")
    return _Patterns(
        row=element_pattern(prefix + b"row"),
        row_tag=start_tag_pattern(prefix + b"row"),
        cell=re.compile(
            rb"(<%s%s(?:/>|>(?:<%s>([^<]*+)</%s>)?%s</%s>))"
            % (cell, _CELL_ATTRIBUTES, v, v, _content(cell), cell)
        ),
        value=element_pattern(prefix + b"v"),
        inline=element_pattern(prefix + b"is"),
        row_start=b"<" + prefix + b"row",
        row_end=b"</" + prefix + b"row>",
        cell_start=b"<" + prefix + b"c ",
        data_end=b"</" + prefix + b"sheetData>",
    )


def column_index(letters: bytes) -> int:
    """`b"A"` -> 1, `b"AB"` -> 28; anything longer than `XFD`'s three letters is past
    the last column (EXCEL_MAX_COLUMNS + 1)."""
    index = _COLUMNS.get(letters)
    if index is None:
        if len(letters) > _MAX_LETTERS:
            return EXCEL_MAX_COLUMNS + 1
        index = 0
        for letter in letters.upper():
            index = index * 26 + letter - 64
        # Three letters at most, in either case: a cache that stays small.
        _COLUMNS[letters] = index
    return index


def column_letters(index: int) -> str:
    """1 -> `A`, 28 -> `AB`."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def row_number(raw: bytes) -> int:
    """A row's `r` as written (`12`, or `12.0` by some writers); past Excel's last row
    when it has more digits than any row number."""
    if len(raw) < _ROW_DIGITS and raw.isdigit():
        # The usual `12`: what the general path below gives it, without the split.
        return int(raw)
    whole = raw.split(b".", 1)[0]
    if not whole.isdigit():
        raise ValueError(f"the row number {raw[:20]!r} is not a number")
    if len(whole) >= _ROW_DIGITS:
        return EXCEL_MAX_ROWS + 1
    return int(whole)


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
        number = 0
        limit = self._limits.max_row_bytes
        for piece in self._pieces():
            self.scanned += len(piece)
            for xml, attrs, body in self._patterns.row.findall(piece):
                found = _ROW_NUMBER.search(attrs)
                number = row_number(found.group(1)) if found else number + 1
                if number > EXCEL_MAX_ROWS:
                    raise refused(
                        "TOO_MANY_ROWS",
                        f"The worksheet has a row numbered past Excel's last row "
                        f"({EXCEL_MAX_ROWS:,})",
                        row=number,
                    )
                if len(xml) > limit:
                    raise _row_too_large(number, limit)
                yield RawRow(number, attrs, body, xml)

    def cells(self, row: RawRow) -> list[RawCell]:
        """The `<c>` elements of a row, each with its 1-based column."""
        cells = []
        column = 0
        known = _COLUMNS
        for xml, attrs, letters, style, kind, value, rest in self._patterns.cell.findall(row.body):
            if letters:
                # The cache first: a call per cell is a good share of the scan.
                column = known.get(letters) or column_index(letters)
            else:
                column += 1
            if column > EXCEL_MAX_COLUMNS:
                raise _too_many_columns(row.number, letters)
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
        column = column_index(letters)
        if column > EXCEL_MAX_COLUMNS:
            raise _too_many_columns(row.number, letters)
        return RawCell(column, kind, style, value, rest, attrs, xml)

    def tail(self) -> Iterator[bytes]:
        """The bytes after the last row, from `</sheetData>` to the end of the part."""
        yield self._rest
        while data := self._stream.read(CHUNK_SIZE):
            yield data

    def _pieces(self) -> Iterator[bytes]:
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
            too_large=lambda: _row_too_large(None, self._limits.max_row_bytes),
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


class ElementCutter:
    """Cuts a stream of XML, chunk by chunk, into pieces holding only whole elements.

    For a container of repeated elements (`<sheetData>` of `<row>`s, `<sst>` of `<si>`s):
    each piece yielded ends after a whole element; text between elements (whitespace)
    is dropped rather than carried; `tail` is set to the bytes from the container's end
    (`stop`) on once it is reached. Only bytes not seen before are searched (with a few
    bytes of overlap, for a tag cut between two chunks), pending bytes are joined once,
    and an element longer than `limit` raises `too_large()`: linear in the input.
    """

    def __init__(
        self,
        *,
        start: bytes,
        end: bytes,
        stop: bytes,
        opening: re.Pattern[bytes],
        limit: int,
        too_large: Any,
    ) -> None:
        self._start, self._end, self._stop = start, end, stop
        self._opening, self._limit, self._too_large = opening, limit, too_large
        self._overlap = max(len(start), len(end), len(stop))
        self._pending: list[bytes] = []
        self._size = 0
        #: absolute offset (in the stream fed) of the first pending byte
        self._base = 0
        #: absolute offsets of the last element start and of the end of the last end tag
        self._last_start = -1
        self._last_end = -1
        #: whether the start tag at `_last_start` was read: None not yet, else its end
        #: (negative: an element that stays open until its end tag)
        self._opened: int | None = None
        self._has_markup = False
        self._seen = b""
        self.tail: bytes | None = None
        #: bytes searched since the caller last reset it
        self.searched = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        region = self._seen + data
        origin = self._base + self._size - len(self._seen)
        self.searched += len(region)
        self._pending.append(data)
        self._size += len(data)
        stop = region.find(self._stop)
        if stop >= 0:
            joined = self._joined()
            cut = max(origin + stop - self._base, 0)
            self._pending, self.tail = [], joined[cut:]
            if cut > 0:
                yield joined[:cut]
            return
        start = region.rfind(self._start)
        if start >= 0 and origin + start > self._last_start:
            self._last_start, self._opened = origin + start, None
        end = region.rfind(self._end)
        if end >= 0:
            self._last_end = max(self._last_end, origin + end + len(self._end))
        self._has_markup = self._has_markup or b"<" in data
        self._seen = region[-self._overlap :]
        whole = self._whole()
        if whole > self._base:
            joined = self._joined()
            cut = whole - self._base
            yield joined[:cut]
            self._restart(joined[cut:], whole)
        elif not self._has_markup:
            # Only text between elements (whitespace): nothing to keep.
            self._restart(b"", self._base + self._size)
        open_since = max(self._last_start, self._base)
        if self._base + self._size - open_since > self._limit:
            raise self._too_large()

    def _joined(self) -> bytes:
        """The pending bytes as one (joined once: later calls get the same bytes)."""
        if len(self._pending) != 1:
            self._pending = [b"".join(self._pending)]
        return self._pending[0]

    def _whole(self) -> int:
        """Where the pending bytes stop holding whole elements only (absolute)."""
        if self._last_start < self._base:
            return self._base
        if self._last_end > self._last_start:
            # Elements do not nest: an end tag after the last start closes it.
            return self._last_end
        if self._opened is None:
            joined = self._joined()
            at = self._last_start - self._base
            found = self._opening.match(joined, at)
            if found is not None:
                self._opened = self._base + found.end() if found.group(2) else -1
            elif len(joined) - at > self._limit or joined.find(b">", at) >= 0:
                # Not a start tag we know (or a broken one): it stays open.
                self._opened = -1
        if self._opened is not None and self._opened > 0:
            return self._opened
        return self._last_start

    def _restart(self, rest: bytes, at: int) -> None:
        """Pending bytes are now `rest`, starting at `at`; text without markup is dropped."""
        if rest and b"<" not in rest:
            at, rest = at + len(rest), b""
        self._pending = [rest] if rest else []
        self._size = len(rest)
        self._base = at
        self._has_markup = bool(rest)
        if self._last_start < at:
            self._last_start, self._opened = -1, None


def _row_too_large(row: int | None, limit: int) -> Exception:
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


class SharedStrings(Protocol):
    """The shared-strings table, by index (a list of all texts will do)."""

    def __getitem__(self, index: int, /) -> str: ...


#: A number's text is never longer than this (`-1.7976931348623157E+308`).
_NUMBER_CHARS = 64


class CellValues:
    """Cell values as openpyxl (read-only, data only) reports them.

    Numbers are int when written without a point or exponent, else float; numbers in
    a date style are dates; `t="b"` is a bool; shared, inline and formula (`t="str"`)
    strings are str; errors (`t="e"`) are their text (`#N/A`); an empty cell is None.
    A text longer than `max_cell_chars` is refused (CELL_TOO_LONG).
    """

    def __init__(
        self,
        shared: SharedStrings,
        dates: DateStyles,
        prefix: bytes = b"",
        limits: WorkbookLimits = DEFAULT_LIMITS,
    ) -> None:
        self._shared = shared
        self._dates = dates
        self._patterns = _patterns(prefix)
        self._inline_tags = (b"<%sis><%st>" % (prefix, prefix), b"</%st></%sis>" % (prefix, prefix))
        self._max_chars = limits.max_cell_chars

    def value(self, cell: RawCell, row: int = 0) -> Any:
        kind = cell.kind
        if kind == b"inlineStr":
            return self._checked(self._inline(cell.rest), cell, row) if cell.rest else None
        raw = self.raw_value(cell)
        if not raw:
            return None
        if kind == b"s":
            return self._shared_text(raw, cell, row)
        if not kind or kind == b"n":
            if len(raw) > _NUMBER_CHARS:
                raise ValueError(f"cell {_reference(cell, row)} holds no number: {raw[:20]!r}…")
            number = float(raw) if b"." in raw or b"e" in raw or b"E" in raw else int(raw)
            if self._dates.dates:
                return self._dates.value(int(cell.style or 0), number)
            return number
        if kind == b"b":
            return bool(int(raw[:_NUMBER_CHARS]))
        text = self._checked(xml_text(raw), cell, row)
        return from_iso(text) if kind == b"d" else text

    def raw_value(self, cell: RawCell) -> bytes:
        """The text of the cell's `<v>`, as written; b"" when it has none."""
        if cell.value or not cell.rest:
            return cell.value
        # a formula before the value, or a `<v>` with attributes
        found = self._patterns.value.search(cell.rest)
        return found.group(3) if found else b""

    def _shared_text(self, raw: bytes, cell: RawCell, row: int) -> str:
        index = int(raw) if len(raw) <= 10 else -1
        try:
            if index < 0:
                raise IndexError(index)
            return self._shared[index]
        except IndexError:
            raise ValueError(
                f"cell {_reference(cell, row)} names shared string {raw[:12]!r}, "
                "which the workbook does not have"
            ) from None

    def _checked(self, text: str | None, cell: RawCell, row: int) -> Any:
        if text is not None and len(text) > self._max_chars:
            raise refused(
                "CELL_TOO_LONG",
                f"Cell {_reference(cell, row)} holds {len(text):,} characters; a cell "
                f"holds at most {self._max_chars:,}",
                row=row,
            )
        return text

    def _inline(self, body: bytes) -> str | None:
        start, end = self._inline_tags
        if body.startswith(start) and body.endswith(end) and body.count(b"<") == 4:
            return xml_text(body[len(start) : -len(end)])
        found = self._patterns.inline.search(body)
        return rich_text(found.group(3)) if found else None


def _reference(cell: RawCell, row: int) -> str:
    return f"{column_letters(cell.column)}{row}" if row else column_letters(cell.column)
