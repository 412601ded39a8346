"""The data rows of a sheet read by the shape of the rows before them: one match a row.

Reading a usual row (`xlsx_row_values`) still costs a pattern search and a Python loop
per cell, and a remapping of the columns to the codes. But nearly every data row of a
sheet has the shape of the one before: the same cells in the same columns, with the
same attributes and kinds of value. From a usual row this learns that shape as one
pattern (a template) of literal markup with a group per value, so a row of the same
shape is a single `fullmatch`: its texts are the groups as they are, only its numbers
(or shared strings) are converted, and they are keyed by the columns' codes at once.

Only the happy path: a row that no template matches, or whose values do not convert,
gives None and is read as before (`xlsx_row_values`, then cell by cell), where every
guard and message lives. So both read the same values. Why a row a template matches is
one the usual reader reads the same: its markup is the learned row's, cell for cell
(every `<` of the body is in the template's literal markup), so it has the same cells
in the same columns with the same kinds, and each value group admits only text the
usual reader turns into the same value (no escape, no line end, no character XML
cannot hold, at most `max_cell_chars`; a number in a grammar `read_number` reads as
Python does). A row a template matches is never blank and holds no character XML
cannot hold: those rows are the general reader's too.

Bounded: at most _MOST_TEMPLATES are kept and _MOST_LEARNED compiled per sheet, each
for a row of at most _MOST_CELLS cells; a template's match is linear (literals and
possessive classes, no alternation), so a row is searched at most _MOST_TEMPLATES times.
"""

import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from project_factory.sheets.xlsx_dates import DateStyles
from project_factory.sheets.xlsx_references import column_index
from project_factory.sheets.xlsx_row_values import (
    INLINE,
    NUMBER,
    SHARED,
    CellKinds,
    usual_cell_pattern,
)
from project_factory.sheets.xlsx_text import illegal_character

#: Templates kept (the sheet's usual shapes), and compiled at most, per sheet.
_MOST_TEMPLATES = 4
_MOST_LEARNED = 16
#: A row of more cells is not worth a template (its pattern is long to compile).
_MOST_CELLS = 64
#: A number as `read_number` reads it alike in bytes and in text: ASCII only; a whole
#: number (an int, as `int` reads it) and one with a point or an exponent (a float).
_NUMBER = r"(-?[0-9]{1,20}+(?:\.[0-9]{1,20}+)?+(?:[eE][-+]?+[0-9]{1,3}+)?+)"
_WHOLE = r"(-?[0-9]{1,20}+)"
_FRACTION = r"(-?[0-9]{1,20}+(?:\.[0-9]{1,20}+(?:[eE][-+]?+[0-9]{1,3}+)?+|[eE][-+]?+[0-9]{1,3}+))"
_WHOLE_TEXT = re.compile(rb"-?[0-9]{1,20}+")
_INDEX = r"([0-9]{1,10}+)"
#: Text an inline string's value is as written: no `<`, no escape, no line end, and no
#: character XML cannot hold (as `xlsx_text`), at most the limit's characters long.
_PLAIN_TEXT = "([^<&\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]{1,%d}+)"

#: A value group's text -> the cell's value
_Convert = Callable[[str], Any]


def _number(text: str) -> int | float:
    """`read_number` of text in the grammar of _NUMBER (ASCII, so int and float read it
    as they read its bytes)."""
    if text.isdigit():
        return int(text)
    if "." in text or "e" in text or "E" in text:
        return float(text)
    return int(text)


def _dated(value: Callable[[int, Any], Any], style: int, text: str) -> Any:
    return value(style, _number(text))


def _shared(table: Sequence[str], text: str) -> str:
    return table[int(text)]


class _Template:
    """One row shape: its pattern, each group's conversion, and the codes of the known
    columns (in the header's order) with the index of their group."""

    def __init__(
        self,
        pattern: str,
        convert: list[_Convert],
        columns: list[int],
        positions: Sequence[tuple[str, int]],
        blankable: bool,
    ) -> None:
        self.match = re.compile(pattern).fullmatch
        place = {column: index for index, column in enumerate(columns)}
        known = [(code, place[column]) for code, column in positions if column in place]
        self.codes = [code for code, _ in known]
        self.order = [index for _, index in known]
        #: (index, conversion) of the values that are not their group's text (inline
        #: strings are): converted one by one, the texts left as they are
        self.steps = [(index, step) for index, step in enumerate(convert) if step is not str]
        #: only texts: the row is blank when they are all spaces (a number never is)
        self.blankable = blankable
        #: every cell is a known column's, in the header's order: the groups are the values
        self.direct = self.order == list(range(len(columns)))

    def read(self, text: str) -> dict[str, Any] | None:
        found = self.match(text)
        if found is None:
            return None
        values: Sequence[Any] = found.groups()
        if self.steps:
            values = list(values)
            for index, step in self.steps:
                values[index] = step(values[index])
        if self.blankable and not "".join(values).strip():
            return None
        if self.direct:
            return dict(zip(self.codes, values, strict=False))
        return dict(zip(self.codes, map(values.__getitem__, self.order), strict=False))


class RowTemplates:
    """The values of a sheet's data rows by the codes of `positions`, read by templates
    of the usual rows seen so far (`learn`)."""

    def __init__(
        self,
        shared: Sequence[str],
        dates: DateStyles,
        prefix: bytes,
        max_chars: int,
        positions: Sequence[tuple[str, int]],
    ) -> None:
        self._shared = shared
        self._dates = dates
        self._prefix = prefix.decode()
        self._text = _PLAIN_TEXT % max_chars
        self.positions = positions
        self._cell = usual_cell_pattern(prefix)
        self._kinds = CellKinds(prefix, dates)
        self._templates: list[_Template] = []
        self._learned = 0
        self._clean_table: bool | None = None

    def read(self, body: bytes) -> dict[str, Any] | None:
        """code -> value of the row whose content is `body`, when a template reads it;
        None otherwise (read it as before)."""
        templates = self._templates
        try:
            text = body.decode()
            for template in templates:
                values = template.read(text)
                if values is not None:
                    if template is not templates[0]:
                        # the most recent shape first: the next row is likely of it too
                        templates.remove(template)
                        templates.insert(0, template)
                    return values
        except (ValueError, LookupError, ArithmeticError):
            # Undecodable, or a value the usual readers refuse: theirs to say.
            pass
        return None

    def learn(self, body: bytes) -> None:
        """Keep the shape of `body`, a row the usual reader read (values by column)."""
        if self._learned >= _MOST_LEARNED:
            return
        self._learned += 1
        template = self._template(body)
        if template is None:
            return
        if len(self._templates) >= _MOST_TEMPLATES:
            self._templates.pop()
        self._templates.insert(0, template)

    def _template(self, body: bytes) -> _Template | None:
        found = self._cell.findall(body)
        if not found or len(found) > _MOST_CELLS:
            return None
        parts, convert, columns = [], [], []
        texts = True
        for letters, tail, value, inline in found:
            cell = self._cell_template(letters, tail, value, inline)
            if cell is None:
                return None
            parts.append(cell[0])
            convert.append(cell[1])
            columns.append(column_index(letters))
            texts = texts and cell[2]
        return _Template("".join(parts), convert, columns, self.positions, texts)

    def _cell_template(
        self, letters: bytes, tail: bytes, value: bytes, inline: bytes
    ) -> tuple[str, _Convert, bool] | None:
        """The pattern of one cell, its value's conversion and whether that is a text;
        None for a cell whose shape is not templated (an empty value, another kind over
        a value)."""
        kind, dated = self._kinds[tail]
        c = re.escape(self._prefix + "c")
        head = f'<{c} r="{letters.decode()}[0-9]*+"{re.escape(tail.decode())}>'
        if inline and kind == INLINE:
            inner = "<{0}is><{0}t>{1}</{0}t></{0}is>".format(re.escape(self._prefix), self._text)
            return f"{head}{inner}</{c}>", str, True
        if not value or inline:
            return None
        found = self._value_template(kind, dated, value)
        if found is None:
            return None
        v = re.escape(self._prefix + "v")
        return f"{head}<{v}>{found[0]}</{v}></{c}>", found[1], kind == SHARED

    def _value_template(
        self, kind: int, dated: int | None, value: bytes
    ) -> tuple[str, _Convert] | None:
        """The group of a `<v>`'s text and its conversion."""
        if kind == SHARED:
            return (_INDEX, partial(_shared, self._shared)) if self._table_is_clean() else None
        if kind != NUMBER:
            return None
        if dated is not None:
            return _NUMBER, partial(_dated, self._dates.value, dated)
        # The learned value's kind of number: a row of the other kind has a template of
        # its own (a whole number is `int`'s, any other `float`'s: each all in C).
        if _WHOLE_TEXT.fullmatch(value):
            return _WHOLE, int
        return _FRACTION, float

    def _table_is_clean(self) -> bool:
        """No shared string holds a character XML cannot hold (checked once)."""
        if self._clean_table is None:
            table = self._shared
            self._clean_table = "".join(table).isprintable() or not any(
                map(illegal_character, table)
            )
        return self._clean_table
