"""Writing a data sheet of the processed file: its head adjusted, each row with its
outcome, its tail.

Rows are streamed: each is rewritten (or kept as its bytes) as it is read, and handed to
the compressor in batches of about a megabyte, so memory stays bounded whatever the
sheet's size; the compressor works in a thread of its own (`processed_write_behind`), so
that a batch is deflated while the next is made. Only the written cells of a data row
change; a row before the header, a blank row and (when no header cell is added) the
header keep their bytes. A data row without a result is given `missing` (it must never
vanish silently). Cells written are inline strings: text, never a formula, whatever they
begin with.

The usual data row, its result next in the stream and its cells as Excel writes them,
is spliced (`processed_splice`): its content kept whole, the written cells added around
it, no cell read and no blank test. Every other row is read cell by cell.

Rows come in the pieces the sheet is read in (`processed_pieces`). A run of usual rows
in a piece is checked and cut by two regular expressions over the whole run, not one
per row, and each row's result cells come laid out for the sheet (`processed_cells`);
a stretch of them whose results come next in the stream is taken at once
(`Outcomes.run`) and written in one go (`processed_spliced_run`): a row costs a join and
a format, no `RawRow`, no dict of texts. The other runs (the header, a row of another
shape) are read row by row, as above.
"""

from collections.abc import Iterable
from typing import IO, cast

from project_factory.sheets.layout import ERRORS_COLUMN, PLAN_COLUMN, STATUS_COLUMN, is_blank
from project_factory.sheets.limits import EXCEL_MAX_ROWS, WorkbookLimits
from project_factory.sheets.processed_cells import ERROR_SEPARATOR, ResultCells
from project_factory.sheets.processed_columns import ColumnPlan
from project_factory.sheets.processed_pieces import SheetPieces
from project_factory.sheets.processed_results import Outcomes, ResultsMismatch, RowResult
from project_factory.sheets.processed_splice import RowSplicer
from project_factory.sheets.processed_spliced_run import Cut, SplicedRun
from project_factory.sheets.processed_tabs import DataTab
from project_factory.sheets.processed_write_behind import WriteBehind
from project_factory.sheets.spec import SheetSpec
from project_factory.sheets.xlsx_edit import (
    replace_cells,
    set_columns,
    widen_dimension,
    widen_spans,
)
from project_factory.sheets.xlsx_rows import RawRow, SheetXml
from project_factory.sheets.xml_copy import Chunks, cleaned, copy_clean

#: Written rows are handed to the compressor in batches of about this size.
_FLUSH_BYTES = 1 << 20


class RowWriter:
    """Writes a data sheet: its head adjusted, each row as it comes, its tail."""

    def __init__(
        self,
        tab: DataTab,
        plan: ColumnPlan,
        spec: SheetSpec,
        outcomes: Outcomes,
        missing: RowResult,
    ) -> None:
        self._layout, self._base, self._plan, self._spec = tab.layout, tab.base, plan, spec
        self._outcomes, self._missing = outcomes, missing
        self._splicer: RowSplicer | None = None
        self._cells: ResultCells | None = None
        self._run: SplicedRun | None = None
        self._sheet: SheetXml | None = None
        self._tag = b"row"

    def write(self, sheet: SheetXml, sink: IO[bytes], limits: WorkbookLimits) -> None:
        # (deflated by a thread of its own while the rows are made: `processed_write_behind`)
        with WriteBehind(sink) as behind:
            # (it has the writing half of a binary stream, all a sink's writers use)
            self._write(sheet, cast(IO[bytes], behind), limits)

    def _write(self, sheet: SheetXml, sink: IO[bytes], limits: WorkbookLimits) -> None:
        plan = self._plan
        status, errors = plan.columns[STATUS_COLUMN], plan.columns[ERRORS_COLUMN]
        head = widen_dimension(sheet.head, plan.last_column)
        sink.write(set_columns(head, sheet.prefix, plan.widths, shown=(status, errors)))
        own = self._layout.header.columns.values()
        self._splicer = RowSplicer(sheet.prefix, self._written(), own)
        first = self._splicer.gap[0]
        self._cells = ResultCells.make(sheet.prefix, plan.columns, self._spec, first)
        self._tag = sheet.prefix + b"row"
        if self._cells is not None:
            self._run = SplicedRun(self._tag, self._cells, plan.last_column)
        self._sheet = sheet
        pieces = SheetPieces(sheet, limits)
        pending: list[bytes] = []
        size = 0
        for piece in pieces.pieces():
            for usual, rows in self._runs(piece, pieces.limit):
                written = self._usual_rows(pieces, rows) if usual else None
                if written is None:
                    written = [self._row(row) for row in pieces.rows(rows)]
                pending += written
            size += len(piece)
            if size >= _FLUSH_BYTES:
                sink.write(cleaned(b"".join(pending)))
                pending, size = [], 0
        sink.write(cleaned(b"".join(pending)))
        copy_clean(Chunks(pieces.tail()), sink)

    def _runs(self, piece: bytes, limit: int) -> Iterable[tuple[bool, bytes]]:
        """The piece in runs of usual rows and others (see `RowSplicer.runs`); one run
        for the general path when it could hold a row too long (refused there)."""
        if self._cells is None or self._splicer is None or len(piece) > limit:
            return ((False, piece),)
        return self._splicer.runs(piece)

    def _usual_rows(self, pieces: SheetPieces, rows: bytes) -> list[bytes] | None:
        """Rows of the usual shape, each spliced (a row without its result next in the
        stream is written as `_row` writes it); None when one is past Excel's last row
        (the general path refuses it)."""
        assert self._splicer is not None and self._cells is not None
        cut = self._splicer.cut(rows)
        numbers = list(map(int, cut[1::3]))
        if max(numbers) > EXCEL_MAX_ROWS:
            return None
        # The digits as written, unless one has a leading zero (cells name `5`, not `05`).
        # (the least in byte order starts with 0 when any does: one pass in C)
        digits = cut[1::3]
        if min(digits).startswith(b"0"):
            digits = [b"%d" % n for n in numbers]
        cut_rows = list(zip(digits, cut[::3], cut[2::3], strict=True))
        # (the hint is in a row's attributes: those of the run are a few bytes a row)
        spans = b"".join(cut[::3]).find(b"spans") >= 0
        written = self._spliced_rows(numbers, cut_rows, spans)
        pieces.number = numbers[-1]
        return written

    def _spliced_rows(self, numbers: list[int], rows: list[Cut], spans: bool) -> list[bytes]:
        """Usual rows (their numbers, and each cut: see `RowSplicer.cut`) with their
        results' cells, a stretch of rows whose results come next at a time
        (`SplicedRun`); `spans` when a row may have the hint to widen."""
        assert self._run is not None
        outcomes, run = self._outcomes, self._run
        header, base = self._layout.header.row_number, self._base
        start, end = b"<" + self._tag, b"</" + self._tag + b">"
        # (the header and the rows above it never take a result: no place)
        places = [base + number if number > header else None for number in numbers]
        written: list[bytes] = []
        at, count = 0, len(rows)
        while at < count:
            results = outcomes.run(places, at)
            if results:
                written += run.rows(rows[at : at + len(results)], results, spans)
                at += len(results)
            # (a result out of order is raised once the rows before it are written)
            outcomes.settle()
            if at < count:
                # (the header, a row above it, a row without its result next: as ever)
                _, attrs, body = rows[at]
                whole = b"%s%s>%s%s" % (start, attrs, body, end)
                written.append(self._row(RawRow(numbers[at], attrs, body, whole)))
                at += 1
        return written

    def _row(self, row: RawRow) -> bytes:
        header_row = self._layout.header.row_number
        if row.number < header_row:
            return row.xml
        if row.number > header_row and (spliced := self._spliced(row)) is not None:
            return spliced
        sheet = self._sheet
        assert sheet is not None
        cells = sheet.cells(row)
        if row.number == header_row:
            if not self._plan.new_headers:
                return row.xml
            style = self._layout.header_style
            body = replace_cells(
                sheet.prefix, row.number, cells, self._plan.new_headers, style=style
            )
        else:
            values = self._layout.values
            if all(is_blank(values.value(cell)) for cell in cells):
                return row.xml
            result = self._outcomes.take(self._base + row.number) or self._missing
            body = replace_cells(sheet.prefix, row.number, cells, self._texts(result))
        attrs = widen_spans(row.attrs, self._plan.last_column)
        tag = sheet.prefix + b"row"
        return b"<%s%s>%s</%s>" % (tag, attrs, body, tag)

    def _spliced(self, row: RawRow) -> bytes | None:
        """The usual data row, its result next in the stream: its new cells spliced in
        (see `processed_splice`), or None for the general path.

        A row with a result is not blank (results are given to the rows the reader read,
        which skips blank ones), so it needs no blank test; a row without one takes the
        general path, which tests it and gives it `missing`.
        """
        number = self._base + row.number
        result = self._outcomes.waiting(number)
        if result is None or self._splicer is None:
            return None
        body = self._splicer.body(row.body, row.number, self._texts(result))
        if body is None:
            return None
        self._outcomes.take(number)
        attrs = row.attrs
        if attrs.find(b"spans") >= 0:  # most writers leave the hint out
            attrs = widen_spans(attrs, self._plan.last_column)
        return b"<%s%s>%s</%s>" % (self._tag, attrs, body, self._tag)

    def _written(self) -> set[int]:
        """The columns `_texts` may write."""
        columns = self._plan.columns
        codes = (STATUS_COLUMN, ERRORS_COLUMN, PLAN_COLUMN, *self._spec.written_columns)
        return {columns[code] for code in codes if code in columns}

    def _texts(self, result: RowResult) -> dict[int, str | None]:
        """Column -> text of the cells a result writes (None empties the cell)."""
        columns, spec = self._plan.columns, self._spec
        texts: dict[int, str | None] = {
            columns[STATUS_COLUMN]: str(result.status),
            columns[ERRORS_COLUMN]: ERROR_SEPARATOR.join(result.errors) or None,
        }
        if PLAN_COLUMN in columns:
            texts[columns[PLAN_COLUMN]] = result.plan
        if result.id and spec.id_column:
            texts[columns[spec.id_column]] = result.id
        for key, value in result.output.items():
            column = spec.output_columns.get(key)
            if column is None:
                raise ResultsMismatch(
                    f"{spec.resource_type} rows have no output column for {key!r}"
                )
            texts[columns[column]] = value
        for key in spec.secret_outputs:
            # A password is handed out once, in the credentials file: never in this one.
            texts[columns[spec.output_columns[key]]] = None
        return texts
