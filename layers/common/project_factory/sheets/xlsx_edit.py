"""Edits to a worksheet's XML that keep every byte they do not need to change.

Used by the processed-file writer: new cells in a row, the `<dimension>` grown to new
columns, the widths and visibility of columns in `<cols>`. Everything else of the
sheet (views, styles, validations, protection) is copied as written.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from project_factory.sheets.limits import EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS
from project_factory.sheets.xlsx_references import column_index, column_letters
from project_factory.sheets.xlsx_rows import RawCell
from project_factory.sheets.xlsx_text import escape

_QUOTED_ATTRIBUTE = re.compile(rb"""([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")
_DIMENSION = re.compile(rb"""(<(?:\w+:)?dimension\s+ref\s*=\s*["'])([^"']*)(["'])""")
_REFERENCE = re.compile(rb"([A-Za-z]+)([0-9]+)")
_SPANS = re.compile(rb"""(\sspans\s*=\s*["'])([^"']*)(["'])""")
_STYLE = re.compile(rb"""\ss\s*=\s*["']([0-9]+)["']""")


def cell_xml(prefix: bytes, reference: str, style: bytes, text: str | None) -> bytes:
    """A cell holding `text` as an inline string; an empty (styled) cell for None.

    Inline strings leave the shared-strings part untouched; Excel reads both.
    """
    styled = b' s="%s"' % style if style else b""
    start = b'<%sc r="%s"%s' % (prefix, reference.encode(), styled)
    if text is None:
        return start + b"/>"
    space = b' xml:space="preserve"' if text != text.strip() else b""
    content = escape(text).encode()
    return b'%s t="inlineStr"><%sis><%st%s>%s</%st></%sis></%sc>' % (
        start,
        prefix,
        prefix,
        space,
        content,
        prefix,
        prefix,
        prefix,
    )


def cell_style(cell: RawCell) -> bytes:
    """The style index (`s`) of a cell as written, b"" when it has none."""
    found = _STYLE.search(cell.attrs)
    return found.group(1) if found else b""


def replace_cells(
    prefix: bytes,
    row_number: int,
    cells: Sequence[RawCell],
    texts: Mapping[int, str | None],
    *,
    style: bytes | None = None,
) -> bytes:
    """The content of a row with the cells of `texts` (column -> text) set.

    A cell already there keeps its place, and its style unless `style` is given; a new
    one goes where its column belongs (Excel wants cells in column order), with `style`
    if given. A None text empties the cell; an empty cell without style is left out.
    """
    pending = sorted(texts)
    columns = [cell.column for cell in cells]
    first, last = (min(columns), max(columns)) if columns else (0, 0)
    if all(column < first or column > last for column in pending):
        return _around_cells(prefix, row_number, cells, texts, pending, style or b"")
    return _merged_cells(prefix, row_number, cells, texts, pending, style)


def _around_cells(
    prefix: bytes,
    row_number: int,
    cells: Sequence[RawCell],
    texts: Mapping[int, str | None],
    pending: Sequence[int],
    style: bytes,
) -> bytes:
    """`replace_cells` for the usual row of a processed file: the cells written
    (`pending`, sorted) lie before the row's cells (an empty id column) or past them
    (the status columns), so the row's own cells are kept as they are, in their order:
    what the merge gives, without its steps per cell."""
    first = min(cell.column for cell in cells) if cells else 0
    parts = [_cell(prefix, row_number, column, style, texts) for column in pending]
    split = sum(1 for column in pending if column < first)
    return b"".join([*parts[:split], *(cell.xml for cell in cells), *parts[split:]])


def _merged_cells(
    prefix: bytes,
    row_number: int,
    cells: Sequence[RawCell],
    texts: Mapping[int, str | None],
    pending: Sequence[int],
    style: bytes | None,
) -> bytes:
    """`replace_cells` in general: the written cells (`pending`, sorted) merged into the
    row's cells by column."""
    parts: list[bytes] = []
    index = 0
    for cell in cells:
        while index < len(pending) and pending[index] < cell.column:
            parts.append(_cell(prefix, row_number, pending[index], style or b"", texts))
            index += 1
        if index < len(pending) and pending[index] == cell.column:
            kept = cell_style(cell) if style is None else style
            parts.append(_cell(prefix, row_number, cell.column, kept, texts))
            index += 1
        else:
            parts.append(cell.xml)
    for column in pending[index:]:
        parts.append(_cell(prefix, row_number, column, style or b"", texts))
    return b"".join(parts)


def _cell(
    prefix: bytes, row_number: int, column: int, style: bytes, texts: Mapping[int, str | None]
) -> bytes:
    text = texts[column]
    if text is None and not style:
        return b""
    return cell_xml(prefix, f"{column_letters(column)}{row_number}", style, text)


def widen_spans(attrs: bytes, last_column: int) -> bytes:
    """Row attributes whose `spans` (a hint of the used columns) reach `last_column`."""
    if attrs.find(b"spans") < 0:
        # Many writers leave the hint out: no search needed.
        return attrs
    found = _SPANS.search(attrs)
    if found is None:
        return attrs
    bounds = [int(bound[:8]) for bound in re.findall(rb"[0-9]+", found.group(2))] or [1]
    spans = b"%d:%d" % (min(bounds), max(*bounds, last_column))
    return attrs[: found.start(2)] + spans + attrs[found.end(2) :]


def widen_dimension(head: bytes, last_column: int) -> bytes:
    """The sheet's head with its `<dimension>` reaching at least `last_column`."""
    found = _DIMENSION.search(head)
    if found is None:
        return head
    corners = _REFERENCE.findall(found.group(2))
    if not corners:
        return head
    (first_letters, first_row), (end_letters, end_row) = corners[0], corners[-1]
    # An upload's dimension past Excel's last cell is brought back within it.
    first = min(column_index(first_letters), EXCEL_MAX_COLUMNS)
    end = max(min(column_index(end_letters), EXCEL_MAX_COLUMNS), last_column)
    first_row, end_row = (
        b"%d" % min(int(number[:8]), EXCEL_MAX_ROWS) for number in (first_row, end_row)
    )
    reference = b"%s%s:%s%s" % (
        column_letters(first).encode(),
        first_row,
        column_letters(end).encode(),
        end_row,
    )
    return head[: found.start(2)] + reference + head[found.end(2) :]


@dataclass
class _Column:
    """One `<col>`: a range of columns sharing a width, style and visibility."""

    first: int
    last: int
    #: name -> value as written (quotes included), in their order, min and max aside
    attributes: dict[bytes, bytes] = field(default_factory=dict)

    @property
    def hidden(self) -> bool:
        return self.attributes.get(b"hidden", b'""')[1:-1] in (b"1", b"true")

    def xml(self, prefix: bytes) -> bytes:
        attributes = b"".join(b" %s=%s" % item for item in self.attributes.items())
        return b'<%scol min="%d" max="%d"%s/>' % (prefix, self.first, self.last, attributes)


def set_columns(
    head: bytes, prefix: bytes, widths: Mapping[int, float], shown: Sequence[int]
) -> bytes:
    """The sheet's head with `widths` (column -> width) set and the `shown` columns unhidden.

    `<col>` ranges are split where only some of their columns change. A sheet without
    `<cols>` gets one when a width is set.
    """
    # `<cols>` contents never cross another `<cols>`: an unclosed one fails at once.
    content = rb"[^<]*+(?:<(?!/?%scols\b)[^<]*+)*+" % prefix
    blocks = list(re.finditer(rb"<%scols\b[^>]*>(%s)</%scols>" % (prefix, content, prefix), head))
    columns = [
        _parse_column(element)
        for block in blocks
        for element in re.findall(rb"<%scol\b[^>]*?/>" % prefix, block.group(1))
    ]
    changed = _set_widths(columns, widths)
    changed = _unhide(columns, shown) or changed
    return _with_columns(head, prefix, blocks, columns) if changed else head


def _set_widths(columns: list[_Column], widths: Mapping[int, float]) -> bool:
    """Sets each width on a `<col>` of its own; whether there was any."""
    for column, width in widths.items():
        entry = _isolate(columns, column)
        entry.attributes[b"width"] = b'"%s"' % _number(width)
        entry.attributes[b"customWidth"] = b'"1"'
    return bool(widths)


def _unhide(columns: list[_Column], shown: Sequence[int]) -> bool:
    """Unhides each of the `shown` columns that is hidden; whether one was."""
    changed = False
    for column in shown:
        covering = next((c for c in columns if c.first <= column <= c.last), None)
        if covering is not None and covering.hidden:
            del _isolate(columns, column).attributes[b"hidden"]
            changed = True
    return changed


def _with_columns(
    head: bytes, prefix: bytes, blocks: Sequence[re.Match[bytes]], columns: Sequence[_Column]
) -> bytes:
    """The head with its `<cols>` blocks replaced by one holding `columns`."""
    element = b"<%scols>%s</%scols>" % (
        prefix,
        b"".join(column.xml(prefix) for column in columns),
        prefix,
    )
    if not blocks:
        at = head.rindex(b"<%ssheetData" % prefix)
        return head[:at] + element + head[at:]
    # Several `<cols>` are allowed; the merged ranges go where the first one was.
    rest = head[blocks[0].end() :]
    for block in blocks[1:]:
        rest = rest.replace(block.group(), b"", 1)
    return head[: blocks[0].start()] + element + rest


def _parse_column(element: bytes) -> _Column:
    attributes = dict(_QUOTED_ATTRIBUTE.findall(element))
    first = _column_number(attributes.pop(b"min", b'"1"'))
    last = _column_number(attributes.pop(b"max", b'"%d"' % first))
    return _Column(first, last, attributes)


def _column_number(quoted: bytes) -> int:
    """A `<col>`'s min or max, within Excel's columns."""
    return min(int(quoted[1:-1][:8]), EXCEL_MAX_COLUMNS)


def _isolate(columns: list[_Column], column: int) -> _Column:
    """The `<col>` of exactly `column`, split out of the range covering it or added."""
    for position, entry in enumerate(columns):
        if entry.first <= column <= entry.last:
            pieces = [
                _Column(first, last, dict(entry.attributes))
                for first, last in (
                    (entry.first, column - 1),
                    (column, column),
                    (column + 1, entry.last),
                )
                if first <= last
            ]
            columns[position : position + 1] = pieces
            return next(piece for piece in pieces if piece.first == column)
        if entry.first > column:
            added = _Column(column, column)
            columns.insert(position, added)
            return added
    added = _Column(column, column)
    columns.append(added)
    return added


def _number(value: float) -> bytes:
    return (b"%d" % value) if float(value).is_integer() else repr(float(value)).encode()
