"""A piece of a sheet's `<sheetData>` cut into its `<row>` elements, as the sheet scanner
(`xlsx_rows`) reads them.

The general row pattern (`xml_elements.element_pattern`) looks ahead at every `<` of a
row to be sure no other row starts inside it: a good share of a sheet's scan. Nearly
every piece is a run of rows written end to end, which `bytes.split` on the end tag cuts
in one C pass; each part is then known to be one row when it starts with a row's start
tag and no other row starts in the piece than those. The usual start tag, ` r="12"`
first, is read by a pattern that also takes the number; any other (a self-closing row,
text between rows, another grammar) has the whole piece read by the general pattern
instead, so both give the same (attributes, content, whole element) for every row.
"""

import re
from functools import cache

from project_factory.sheets.xml_elements import ANY_ATTRIBUTE

#: The digits of a row number at most 7 long are read as written (`xlsx_references`).
_USUAL_DIGITS = 7

#: (the row's number when its start tag is the usual one, else None; attributes;
#: content; whole element)
CutRow = tuple[int | None, bytes, bytes, bytes]


@cache
def _usual_start(tag: bytes) -> re.Pattern[bytes]:
    """The start tag `<row r="12" ...>` (not self-closing): groups (attributes, as the
    general start-tag pattern reads them; the number's digits)."""
    return re.compile(
        rb'<%s( r="([0-9]{1,%d})"(?:\s++%s)*+)\s*+>'
        % (re.escape(tag), _USUAL_DIGITS, ANY_ATTRIBUTE)
    )


def split_rows(piece: bytes, tag: bytes, row: re.Pattern[bytes]) -> list[CutRow]:
    """Every row in `piece`, as `row` (the general pattern of elements `tag`) reads them,
    with the number of those whose start tag is the usual one."""
    start, end = b"<" + tag, b"</" + tag + b">"
    parts = piece.split(end)
    # Bytes after the last end tag (a self-closing row, text) or a row inside another.
    if parts.pop() or piece.count(start) != len(parts):
        return _general(piece, row)
    usual = _usual_start(tag).match
    rows: list[CutRow] = []
    for part in parts:
        opened = usual(part)
        if opened is None:
            return _general(piece, row)
        attrs, digits = opened.group(1, 2)
        rows.append((int(digits), attrs, part[opened.end() :], part + end))
    return rows


def _general(piece: bytes, row: re.Pattern[bytes]) -> list[CutRow]:
    return [(None, attrs, body, xml) for xml, attrs, body in row.findall(piece)]
