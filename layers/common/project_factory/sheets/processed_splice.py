"""The usual data row of a processed file, written without reading its cells one by one.

Nearly every row of an upload is a run of cells as Excel and openpyxl write them
(`<c r="B7" s="1" t="s">...</c>`, one after another, in column order), and the cells a
result writes lie outside them: an empty id column before the first, the status columns
after the last. Such a row keeps its content as it is, with the new cells spliced in
before and after: what `xlsx_edit.replace_cells` gives it, without a `RawCell` per cell.
One regular expression in C checks that the row has that shape (every cell naming its
column, nothing between the cells) and another takes each cell's column letters; any
other row (whitespace between cells, a cell without `r`, cells out of order, a written
column among the row's own) is left to the general path, which reads every cell.

The cells written are made from a template per column, made once per sheet: only the
row number and the text change from row to row.
"""

import re
from collections.abc import Iterable, Mapping

from project_factory.sheets.limits import EXCEL_MAX_COLUMNS
from project_factory.sheets.xlsx_references import column_index, column_letters
from project_factory.sheets.xlsx_text import escape
from project_factory.sheets.xml_elements import element_content

#: Column letters already converted: at most three uppercase letters (the shape allows
#: no more), so the cache stays small whatever the sheet.
_KNOWN: dict[bytes, int] = {}


class CellTemplate:
    """The bytes of an unstyled inline-string cell in one column, but for its row and text
    (what `xlsx_edit.cell_xml` writes for it)."""

    def __init__(self, prefix: bytes, column: int) -> None:
        self._start = b'<%sc r="%s' % (prefix, column_letters(column).encode())
        self._open = b'" t="inlineStr"><%sis><%st' % (prefix, prefix)
        self._close = b"</%st></%sis></%sc>" % (prefix, prefix, prefix)

    def xml(self, row_number: int, text: str | None) -> bytes:
        """The cell in `row_number`; nothing for None (an empty cell without style is
        left out, as `replace_cells` leaves it)."""
        if text is None:
            return b""
        space = b' xml:space="preserve"' if text != text.strip() else b""
        return b"%s%d%s%s>%s%s" % (
            self._start,
            row_number,
            self._open,
            space,
            escape(text).encode(),
            self._close,
        )


class RowSplicer:
    """A data row's new content when it has the usual shape, for one sheet."""

    def __init__(self, prefix: bytes, columns: Iterable[int]) -> None:
        cell = re.escape(prefix + b"c")
        # Attributes exactly as Excel and openpyxl order them; the content up to the
        # cell's end tag, never across another cell (as `xlsx_rows` reads a cell).
        shape = (
            rb'<%s r="[A-Z]{1,3}[0-9]++"(?: s="[0-9]++")?+(?: t="[A-Za-z]++")?+'
            rb"(?:/>|>%s</%s>)" % (cell, element_content(cell), cell)
        )
        self._shape = re.compile(rb"(?:%s)++" % shape)
        self._letters = re.compile(rb'<%s r="([A-Z]++)' % cell)
        self._templates = {column: CellTemplate(prefix, column) for column in columns}

    def body(
        self, content: bytes, row_number: int, texts: Mapping[int, str | None]
    ) -> bytes | None:
        """The row's content (`content`, its cells) with the cells of `texts` (column ->
        text) set, or None when the row is not of the usual shape."""
        if self._shape.fullmatch(content) is None:
            return None
        columns = _columns(self._letters.findall(content))
        first, last = min(columns), max(columns)
        if columns[-1] != last or last > EXCEL_MAX_COLUMNS:
            # Out of order (or past XFD, which the general path refuses).
            return None
        before: list[bytes] = []
        after: list[bytes] = []
        templates = self._templates
        for column in sorted(texts):
            if column < first:
                before.append(templates[column].xml(row_number, texts[column]))
            elif column > last:
                after.append(templates[column].xml(row_number, texts[column]))
            else:
                return None
        return b"".join([*before, content, *after])


def _columns(letters: list[bytes]) -> list[int]:
    """The columns of cells named by `letters` (each one to three uppercase letters)."""
    try:
        return list(map(_KNOWN.__getitem__, letters))
    except KeyError:
        for each in letters:
            _KNOWN[each] = column_index(each)
        return list(map(_KNOWN.__getitem__, letters))
