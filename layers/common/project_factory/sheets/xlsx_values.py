"""Cell values from a cell's raw bytes, as openpyxl (read-only, data only) reports them.

The sheet scanner (`xlsx_rows`) hands over each cell's type, style and `<v>` text as
bytes; turning those into Python values is done here, once per cell read, so it is the
reader's hot path: the type picks its reader from a table, and the common cell (a lone
`<v>`) is read without a search.
"""

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from project_factory.sheets.limits import DEFAULT_LIMITS, WorkbookLimits, refused
from project_factory.sheets.xlsx_dates import DateStyles, from_iso
from project_factory.sheets.xlsx_references import column_letters
from project_factory.sheets.xlsx_row_values import RowValues, SharedStrings
from project_factory.sheets.xlsx_rows import RawCell
from project_factory.sheets.xlsx_text import read_number, rich_text, xml_text
from project_factory.sheets.xml_elements import element_pattern

#: A number's text is never longer than this (`-1.7976931348623157E+308`).
_NUMBER_CHARS = 64

#: How a cell's value is read from the text of its `<v>`: (text, cell, row) -> value.
_Reader = Callable[[bytes, RawCell, int], Any]


@cache
def _value_patterns(prefix: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """`<v>` and `<is>` in a sheet whose main namespace has `prefix`."""
    return element_pattern(prefix + b"v"), element_pattern(prefix + b"is")


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
        self._value_element, self._inline_element = _value_patterns(prefix)
        self._inline_tags = (b"<%sis><%st>" % (prefix, prefix), b"</%st></%sis>" % (prefix, prefix))
        self._max_chars = limits.max_cell_chars
        #: The values of a row of usual cells at once: None for any other row.
        self.row = RowValues(shared, dates, prefix, limits.max_cell_chars).row
        # Styles are fixed for the workbook: whether numbers can be dates is known now,
        # not asked again for every number.
        number = self._dated_number if dates.dates else self._number
        #: Each type's reader; any other type (`str`, `e`, unknown) is read as text.
        self._readers: dict[bytes, _Reader] = {
            b"": number,
            b"n": number,
            b"s": self._shared_text,
            b"b": _boolean,
            b"d": self._date,
        }

    def value(self, cell: RawCell, row: int = 0) -> Any:
        """The value of `cell`, in row `row` (0 when unknown: errors then name the column)."""
        kind = cell.kind
        if kind == b"inlineStr":
            return self._checked(self._inline(cell.rest), cell, row) if cell.rest else None
        raw = cell.value or self.raw_value(cell)
        if not raw:
            return None
        # `or`, not a default: the text reader is looked up only for the rare other types.
        return (self._readers.get(kind) or self._text)(raw, cell, row)

    def raw_value(self, cell: RawCell) -> bytes:
        """The text of the cell's `<v>`, as written; b"" when it has none."""
        if cell.value or not cell.rest:
            return cell.value
        # a formula before the value, or a `<v>` with attributes
        found = self._value_element.search(cell.rest)
        return found.group(3) if found else b""

    def _number(self, raw: bytes, cell: RawCell, row: int) -> int | float:
        if len(raw) > _NUMBER_CHARS:
            raise ValueError(f"cell {_reference(cell, row)} holds no number: {raw[:20]!r}…")
        return read_number(raw)

    def _dated_number(self, raw: bytes, cell: RawCell, row: int) -> Any:
        number = self._number(raw, cell, row)
        return self._dates.value(int(cell.style or 0), number)

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

    def _text(self, raw: bytes, cell: RawCell, row: int) -> Any:
        return self._checked(xml_text(raw), cell, row)

    def _date(self, raw: bytes, cell: RawCell, row: int) -> Any:
        return from_iso(self._text(raw, cell, row))

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
        found = self._inline_element.search(body)
        return rich_text(found.group(3)) if found else None


def _boolean(raw: bytes, cell: RawCell, row: int) -> bool:
    return bool(int(raw[:_NUMBER_CHARS]))


def _reference(cell: RawCell, row: int) -> str:
    return f"{column_letters(cell.column)}{row}" if row else column_letters(cell.column)
