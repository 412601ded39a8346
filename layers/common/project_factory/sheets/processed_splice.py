"""The usual data row of a processed file, written without reading its cells one by one.

Nearly every row of an upload is a run of cells as Excel and openpyxl write them
(`<c r="B7" s="1" t="s">...</c>`, one after another, in column order), all between two
of the written columns: after an empty id column, before the status columns. Such a row
keeps its content as it is, with the new cells spliced in before and after: what
`xlsx_edit.replace_cells` gives it, without a `RawCell` per cell. One regular
expression, made for the sheet, checks that the row has that shape: a run of cells for
each column of that gap in turn (so in column order, within Excel's columns), nothing
between the cells. Any other row (whitespace between cells, a cell without `r`, cells
out of order, a cell in a written column or past them) is left to the general path,
which reads every cell.

The cells written are made from a template per column, made once per sheet: only the
row number and the text change from row to row.
"""

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from itertools import pairwise

from project_factory.sheets.limits import EXCEL_MAX_COLUMNS
from project_factory.sheets.xlsx_references import column_letters
from project_factory.sheets.xlsx_text import escape

#: The widest gap the shape spells out column by column; a row past it takes the
#: general path.
_WIDEST_GAP = 128
#: Texts remembered as written, per column (status texts repeat on every row), and the
#: longest remembered: a few kilobytes at most.
_REMEMBERED = 256
_REMEMBERED_CHARS = 64
#: Kept on a `<t>` whose text starts or ends with whitespace.
_PRESERVE = b' xml:space="preserve"'


class CellTemplate:
    """The bytes of an unstyled inline-string cell in one column, but for its row and text
    (what `xlsx_edit.cell_xml` writes for it)."""

    def __init__(self, prefix: bytes, column: int) -> None:
        self._start = b'<%sc r="%s' % (prefix, column_letters(column).encode())
        self._open = b'" t="inlineStr"><%sis><%st' % (prefix, prefix)
        self._close = b"</%st></%sis></%sc>" % (prefix, prefix, prefix)
        self._ends: dict[str, bytes] = {}

    def xml(self, row_number: int, text: str | None) -> bytes:
        """The cell in `row_number`; nothing for None (an empty cell without style is
        left out, as `replace_cells` leaves it)."""
        if text is None:
            return b""
        end = self._ends.get(text)
        if end is None:
            end = self._end(text)
        return b"%s%d%s" % (self._start, row_number, end)

    def cell(self, number: bytes, text: str) -> bytes:
        """`xml` for a text of one row's own (never remembered), its row's digits given."""
        space = _PRESERVE if text != text.strip() else b""
        escaped = escape(text).encode()
        return b"%s%s%s%s>%s%s" % (self._start, number, self._open, space, escaped, self._close)

    @property
    def start(self) -> bytes:
        """What comes before the row number."""
        return self._start

    def end(self, text: str, *, remember: bool = True) -> bytes:
        """What follows the row number, for `text`: remembered (a bounded few) unless
        `remember` is false (a text of one row's own, e.g. an id)."""
        if not remember:
            return self._end(text, remember)
        end = self._ends.get(text)
        if end is None:
            end = self._end(text, remember)
        return end

    def _end(self, text: str, remember: bool = True) -> bytes:
        space = _PRESERVE if text != text.strip() else b""
        end = b"%s%s>%s%s" % (self._open, space, escape(text).encode(), self._close)
        if remember and len(text) <= _REMEMBERED_CHARS:
            if len(self._ends) >= _REMEMBERED:
                self._ends.clear()
            self._ends[text] = end
        return end


class RowSplicer:
    """A data row's new content when it has the usual shape, for one sheet."""

    def __init__(self, prefix: bytes, written: Collection[int], own: Iterable[int]) -> None:
        """`written`: the columns results write; `own`: the header's other columns."""
        first, last = _gap(written, own)
        cell = re.escape(prefix + b"c")
        # Attributes exactly as Excel and openpyxl order them; a value, a formula and its
        # value, or an inline string (anything else takes the general path).
        rest = (
            (
                rb'[0-9]++"(?: s="[0-9]++")?+(?: t="[A-Za-z]++")?+(?:/>|>'
                rb"(?:(?:<{p}f>[^<]*+</{p}f>)?+(?:<{p}v>[^<]*+</{p}v>)?+"
                rb'|<{p}is><{p}t(?: xml:space="preserve")?+>[^<]*+</{p}t></{p}is>)</{c}>)'
            )
            .replace(b"{p}", re.escape(prefix))
            .replace(b"{c}", cell)
        )
        runs = b"".join(
            rb'(?:<%s r="%s%s)*+' % (cell, column_letters(column).encode(), rest)
            for column in range(first, last + 1)
        )
        self._shape = re.compile(runs)
        self._first, self._last = first, last
        # A piece of rows all of that shape, each with the usual start tag (`r` first,
        # double quotes, no `>` in a value) and at least one cell (a row without cells
        # is a blank one, for the general path); cut at each start tag.
        row = re.escape(prefix + b"row")
        more = rb'(?: [A-Za-z_][\w:.-]*+="[^"<>]*+")*+'
        self._rows = re.compile(
            rb'(?:<%s r="[0-9]{1,7}"%s>(?=<%s r=)%s</%s>)*+' % (row, more, cell, runs, row)
        )
        start = rb'<%s( r="([0-9]{1,7})"%s)>' % (row, more)
        self._first_row = re.compile(start)
        # (every other start tag follows an end tag: a literal for the search to find)
        self._cut = re.compile(rb"</%s>%s" % (row, start))
        self._end_tag = b"</%s>" % (prefix + b"row")
        self._start_tag = b"<%s" % (prefix + b"row")
        self._templates = {column: CellTemplate(prefix, column) for column in written}

    @property
    def gap(self) -> tuple[int, int]:
        """The first and last column of the row's own cells in the usual shape."""
        return self._first, self._last

    def runs(self, piece: bytes) -> Iterator[tuple[bool, bytes]]:
        """`piece` (whole rows, as the sheet's cutter gives them) in runs of rows, each
        with whether its rows all have the usual shape (see `cut`).

        A row of another shape (the header, a row with a cell in a written column) is a
        run of its own when it is plainly one row (the usual start tag, one end tag, no
        other row starting in it): the rows the reader's `split_rows` finds in the piece
        are then those it finds in each run. Past any other, the rest of the piece is
        one run, for the general path.
        """
        at, end = 0, len(piece)
        while at < end:
            usual = self._rows.match(piece, at)
            stop = usual.end() if usual is not None and self._first <= self._last else at
            if stop > at:
                yield True, piece[at:stop]
            if stop == end:
                return
            close = piece.find(self._end_tag, stop) + len(self._end_tag)
            if close < len(self._end_tag) or not self._alone(piece, stop, close):
                yield False, piece[stop:]
                return
            yield False, piece[stop:close]
            at = close

    def _alone(self, piece: bytes, start: int, end: int) -> bool:
        """Whether `piece[start:end]` is plainly one row."""
        return (
            self._first_row.match(piece, start) is not None
            and piece.count(self._start_tag, start, end) == 1
        )

    def cut(self, rows: bytes) -> list[bytes]:
        """Rows all of the usual shape (a run `runs` found), flat: attributes (as
        `RawRow.attrs`), the digits of its number, content (as `RawRow.body`), for each
        row in turn."""
        first = self._first_row.match(rows)
        assert first is not None  # the rows have that shape
        cut = [*first.groups(), *self._cut.split(rows[first.end() :])]
        cut[-1] = cut[-1][: -len(self._end_tag)]
        return cut

    def body(
        self, content: bytes, row_number: int, texts: Mapping[int, str | None]
    ) -> bytes | None:
        """The row's content (`content`, its cells) with the cells of `texts` (column ->
        text, written columns only) set, or None when the row is not of the usual shape."""
        if not content or self._shape.fullmatch(content) is None:
            return None
        before: list[bytes] = []
        after: list[bytes] = []
        templates, first, last = self._templates, self._first, self._last
        for column in sorted(texts):
            if first <= column <= last or column not in templates:
                return None  # not a column the sheet was told of: the general path
            (before if column < first else after).append(
                templates[column].xml(row_number, texts[column])
            )
        return b"".join([*before, content, *after])


def _gap(written: Collection[int], own: Iterable[int]) -> tuple[int, int]:
    """The first and last column of the run between two written columns (or the sheet's
    ends) that holds most of the header's own columns, at most `_WIDEST_GAP` wide; an
    empty run (first > last) when there is none."""
    bounds = sorted({0, *written, EXCEL_MAX_COLUMNS + 1})
    gaps = [(low + 1, high - 1) for low, high in pairwise(bounds)]
    columns = [column for column in own if column not in written]
    first, last = max(
        gaps, key=lambda gap: sum(1 for column in columns if gap[0] <= column <= gap[1])
    )
    if not any(first <= column <= last for column in columns):
        return 1, 0
    return first, min(last, first + _WIDEST_GAP - 1)
