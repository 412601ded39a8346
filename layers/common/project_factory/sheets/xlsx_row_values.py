"""A row's cell values read at once, for rows whose cells all have the usual shapes.

Reading cell by cell (`SheetXml.cells`, then `CellValues.value`) costs a general pattern
match, a RawCell and a few calls per cell: most of a sheet's read. Nearly every cell a
spreadsheet program writes is `<c r="B7" ...>` holding a lone `<v>` (a number or a shared
string) or a plain inline string, so one simpler pattern finds them all in a row and
their values are read in one loop. Only the happy path is taken here: a row holding
anything else (another cell shape, columns out of order, a value the general readers
would refuse or report) gives None, and is read cell by cell, where every guard and
message lives. So both give the same values, and the same errors.

Why a row's cells are all found: every `<` of a row body is markup, and each usual cell
holds a known number of them (4 for `<v>`, 6 for an inline string). When the cells found
hold every `<` of the body, nothing else in it is an element, and the general pattern
finds exactly these cells with the same groups. The attributes after `r` (style, type)
are read by the general pattern itself, once per distinct spelling (a bounded cache).
"""

import re
from functools import cache
from typing import Any, Protocol

from project_factory.sheets.limits import EXCEL_MAX_COLUMNS
from project_factory.sheets.xlsx_dates import DateStyles
from project_factory.sheets.xlsx_references import KNOWN_COLUMNS, column_index
from project_factory.sheets.xlsx_rows import cell_pattern
from project_factory.sheets.xlsx_text import read_number, xml_text

#: What a cell's attributes after `r` make of it (the cell's `t`), when it is usual.
NUMBER, SHARED, INLINE, OTHER = 1, 2, 3, 4
#: Attributes the general pattern does not read as a lone `t` and `s`: never usual.
_UNUSUAL = (0, None)
#: Distinct spellings of the attributes after `r` kept (a sheet has a handful).
_MOST_TAILS = 256
#: A number's text is never longer than this (as `xlsx_values`).
_NUMBER_CHARS = 64
#: A shared string's index is never longer than this (as `xlsx_values`).
_INDEX_CHARS = 10
#: `<` in a usual cell: `<c>`, `<v>`, their end tags; an inline string adds `<t>`, `</t>`.
_MARKUP = 4
_INLINE_MARKUP = 2
#: What the values of a usual row may raise: the row is then read cell by cell, where
#: the general readers raise their own errors (or read what the fast path would not).
_NOT_USUAL = (ValueError, LookupError, ArithmeticError)

#: (kind, date style or None) of a cell's attributes after `r`
_Kind = tuple[int, int | None]


@cache
def usual_cell_pattern(prefix: bytes) -> re.Pattern[bytes]:
    """`<c r="B7" ...>` holding a lone `<v>` or one plain inline `<t>`: groups (column
    letters, attributes after `r`, `<v>` text, inline text (never empty))."""
    c, v, inline, t = (re.escape(prefix + tag) for tag in (b"c", b"v", b"is", b"t"))
    return re.compile(
        rb'<%s r="([A-Z]{1,3})[0-9]*+"([^<>]*+)>'
        rb"<(?:%s>([^<]*+)</%s|%s><%s>([^<]++)</%s></%s)></%s>" % (c, v, v, inline, t, t, inline, c)
    )


class SharedStrings(Protocol):
    """The shared-strings table, by index (a list of all texts will do)."""

    def __getitem__(self, index: int, /) -> str: ...


class CellKinds(dict[bytes, _Kind]):
    """What the general pattern reads in the attributes after `r` of a cell (the keys),
    read once per spelling: at most _MOST_TAILS are kept."""

    def __init__(self, prefix: bytes, dates: DateStyles) -> None:
        super().__init__()
        self._prefix = prefix
        self._general = cell_pattern(prefix)
        self._dates = dates

    def __missing__(self, tail: bytes) -> _Kind:
        found = self._general.fullmatch(b'<%sc r="A1"%s/>' % (self._prefix, tail))
        kind: _Kind = _UNUSUAL
        # A second `r` in the tail would name another column: never usual.
        if found is not None and found.group(3) == b"A":
            kind = self._kind_of(found.group(5) or b"", found.group(4) or b"")
        if len(self) < _MOST_TAILS:
            self[tail] = kind
        return kind

    def _kind_of(self, kind: bytes, style: bytes) -> _Kind:
        if kind in (b"", b"n"):
            number = int(style or 0)
            return NUMBER, number if number in self._dates.dates else None
        if kind == b"s":
            return SHARED, None
        return (INLINE if kind == b"inlineStr" else OTHER), None


class RowValues:
    """The values of a usual row's cells by column, as `CellValues.value` reads them."""

    def __init__(
        self, shared: SharedStrings, dates: DateStyles, prefix: bytes, max_chars: int
    ) -> None:
        self._shared = shared
        self._dates = dates
        self._max_chars = max_chars
        self._cell = usual_cell_pattern(prefix)
        self._kinds = CellKinds(prefix, dates)

    def row(self, body: bytes) -> dict[int, Any] | None:
        """column -> value of the row whose content is `body`; None when it is not usual
        (read it cell by cell)."""
        try:
            return self._values(body)
        except _NOT_USUAL:
            return None

    def _values(self, body: bytes) -> dict[int, Any] | None:
        found = self._cell.findall(body)
        markup = _MARKUP * len(found)
        # In a plain row, an inline string's text is its bytes decoded.
        plain = INLINE if self._plain(body) else None
        kinds, known = self._kinds, KNOWN_COLUMNS
        values: dict[int, Any] = {}
        column = 0
        for letters, tail, text, inline in found:
            previous = column
            column = known.get(letters) or column_index(letters)
            kind, dated = kinds[tail]
            # Out of order, twice, past XFD, unusual attributes: the general reader's.
            if not (previous < column <= EXCEL_MAX_COLUMNS and kind):
                return None
            if inline:
                markup += _INLINE_MARKUP
                values[column] = inline.decode() if kind == plain else self._inline(inline, kind)
            else:
                values[column] = (
                    self._number(text, dated) if kind == NUMBER else self._value(text, kind)
                )
        if markup != body.count(b"<"):
            return None
        return values

    def _plain(self, body: bytes) -> bool:
        """No escape, no line end and no text too long anywhere in the row."""
        # `find`, not `in`: `in` on bytes first tries its operand as an int, and pays for
        # the exception it clears, ten times the search.
        return body.find(b"&") < 0 and body.find(b"\r") < 0 and len(body) <= self._max_chars

    def _value(self, raw: bytes, kind: int) -> Any:
        """A `<v>`'s value other than a number's."""
        if not raw or kind == INLINE:
            # Nothing, or an inline string's type over a `<v>`: no value, as openpyxl.
            return None
        if kind == SHARED:
            index = int(raw) if len(raw) <= _INDEX_CHARS else -1
            if index < 0:
                raise IndexError(index)
            return self._shared[index]
        # Another type (a boolean, an error, a formula's text): read cell by cell.
        raise ValueError("not a usual type")

    def _inline(self, raw: bytes, kind: int) -> str | None:
        """An inline string's text, in a row that is not plain."""
        if kind != INLINE:
            # Another type over an inline string has no value, as openpyxl read it.
            return None
        if len(raw) > self._max_chars:
            # a text that may be too long: CELL_TOO_LONG is the general reader's
            raise ValueError("too long for the usual path")
        return xml_text(raw)

    def _number(self, raw: bytes, dated: int | None) -> Any:
        if not raw:
            return None
        if len(raw) > _NUMBER_CHARS:
            raise ValueError("not a number")
        number = read_number(raw)
        return number if dated is None else self._dates.value(dated, number)
