"""A run of usual rows of a processed sheet, each with its result, in one go.

The usual row (`processed_splice`) keeps its attributes and cells and gets its result's
cells around them (`processed_cells`). Made row by row, that is a few calls per row; a
run of them (the usual rows of a piece, their results next in the stream) is made here
with one format and one join per row: the cells after the gap are the remembered bytes
around their row numbers, joined by the row's digits, and the id's cell (the one text of
the row's own in the usual layout) is the id itself when it needs no escaping, which is
found for the whole run's ids at once.

Any other row of the run (a result with outputs, a layout not the usual one, ids that
need escaping) is made as `ResultCells.around` makes it: the same bytes.
"""

from collections.abc import Callable, Sequence

from project_factory.sheets.processed_cells import ResultCells
from project_factory.sheets.processed_results import RowResult
from project_factory.sheets.xlsx_edit import widen_spans

#: What no plain id holds: markup, or a space next to a line's end.
_NOT_PLAIN = ("&", "<", ">", " \n", "\n ")
#: A usual row, cut: the digits of its number, its attributes, its content.
Cut = tuple[bytes, bytes, bytes]


class SplicedRun:
    """Writes runs of usual rows with their results, for one sheet."""

    def __init__(self, tag: bytes, cells: ResultCells, last_column: int) -> None:
        """`tag`: the rows' tag, prefixed (`row`, `x:row`); `last_column`: the last
        written column, which a row's `spans` must reach."""
        self._cells, self._last = cells, last_column
        self._start, self._end = b"<" + tag, b"</" + tag + b">"
        start, end = _literal(self._start), _literal(self._end)
        self._bare = b"%s%%s>%%s%%s%s" % (start, end)
        template = cells.id_template
        self._with_id = None
        if template is not None:
            # (what `CellTemplate.cell` writes around an id without markup or edge spaces:
            # where the cells of two such ids differ is where the id goes)
            one, other = template.end("a", remember=False), template.end("b", remember=False)
            cut = next(at for at, (x, y) in enumerate(zip(one, other, strict=True)) if x != y)
            opening, closing = _literal(one[:cut]), _literal(one[cut + 1 :])
            self._with_id = b"%s%%s>%s%%s%s%%s%s%%s%%s%s" % (
                start,
                _literal(template.start),
                opening,
                closing,
                end,
            )

    def rows(self, rows: Sequence[Cut], results: Sequence[RowResult], spans: bool) -> list[bytes]:
        """`rows` with the cells of `results` (one each, in turn); `spans` when a row may
        have the hint to widen."""
        idents = _plain_ids(results) if self._with_id is not None else []
        if not self._cells.usual or idents is None:
            return [
                self._row(row, result, spans) for row, result in zip(rows, results, strict=True)
            ]
        if spans:
            rows = [(digits, widen_spans(attrs, self._last), body) for digits, attrs, body in rows]
        return self._usual(rows, results, iter(idents).__next__)

    def _usual(
        self, rows: Sequence[Cut], results: Sequence[RowResult], next_id: Callable[[], bytes]
    ) -> list[bytes]:
        """`rows` (their hints widened) in the usual layout, each id next from `next_id`."""
        with_id, bare, after = self._with_id, self._bare, self._cells.after
        by_status: dict[str, list[bytes]] = {}
        written: list[bytes] = []
        append = written.append
        for (digits, attrs, body), result in zip(rows, results, strict=True):
            if result.output:
                append(self._row((digits, attrs, body), result, spans=False))
                continue
            if result.errors or result.plan is not None:
                between = after(result)
            else:
                # (nearly every row: its status alone, a lookup of this run's)
                between = by_status.get(result.status) or by_status.setdefault(
                    result.status, after(result)
                )
            if with_id is not None and result.id:
                append(with_id % (attrs, digits, next_id(), body, digits.join(between)))
            else:
                append(bare % (attrs, body, digits.join(between)))
        return written

    def _row(self, row: Cut, result: RowResult, spans: bool) -> bytes:
        """The row as `ResultCells.around` makes its cells."""
        digits, attrs, body = row
        before, after = self._cells.around(result, digits)
        row_attrs = widen_spans(attrs, self._last) if spans else attrs
        return b"%s%s>%s%s%s%s" % (self._start, row_attrs, before, body, after, self._end)


def _plain_ids(results: Sequence[RowResult]) -> list[bytes] | None:
    """The ids the usual rows of `results` write (those without outputs), encoded, when
    none needs escaping or `xml:space` (see `_plain`) and none is two lines; None
    otherwise. One look over them all, in C."""
    idents = [result.id for result in results if result.id and not result.output]
    if not idents:
        return []
    joined = "\n".join(idents)
    if not _plain(joined):
        return None
    encoded = joined.encode().split(b"\n")
    # (an id holding a line break would be cut in two)
    return encoded if len(encoded) == len(idents) else None


def _plain(lines: str) -> bool:
    """Whether each line of `lines` is text `escape` keeps as it is (printable: no
    control, surrogate or noncharacter; no markup) with no space at either end (so no
    `xml:space`: a printable character that is whitespace is a space)."""
    if any(mark in lines for mark in _NOT_PLAIN):
        return False
    return lines[0] != " " and lines[-1] != " " and lines.replace("\n", "").isprintable()


def _literal(data: bytes) -> bytes:
    """`data` as a format's literal text."""
    return data.replace(b"%", b"%%")
