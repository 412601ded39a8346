"""The processed copy of an upload: the same workbook, each data row with its outcome.

Only the data sheet's XML (in a file read across tabs, each data tab's: see below) is
rewritten, in a streaming pass over the zip: every other part (other sheets, styles,
shared strings, workbook) is copied as it is, and in the data sheet only the written
cells, the header cells added, the `<dimension>` and the `<cols>` entries of the
written columns change; views, data validations, protection and every other cell keep
their bytes. Each data row stays where it is and gets the created id, the output
columns (e.g. username), `#status#` and `#errorDetails#`; a secret output's column (a
user's password, handed out in the credentials file) is empty. Missing columns are
appended after the last used one; columns already there (a processed file uploaded
again) are reused, and shown if hidden.

A file read across tabs (SheetSpec.across_tabs: a target file, one tab per district)
has several data sheets: every sheet whose header names the boundary code and a target
column (layout.is_data_tab); the readme, the boundary sheet, the lists and the metadata
are copied like any other part. Each data tab is rewritten as the data sheet is, with
its own header and columns, and its rows' results are keyed by place (layout.place: the
tab's index among the workbook's sheets, then the Excel row). One sorted stream of
results serves every tab, so the tabs are written in workbook order, into the zip
entries the data tabs hold whatever order the upload stored them in (parts are found
by name: the order of a zip's entries is free).

Memory stays bounded whatever the size of the sheet: rows are read and written one by
one, results are consumed as a sorted stream, and of the shared strings only those of
the header rows are read, in one pass for every sheet surveyed (the others are only
checked for being blank).

The upload is read under the same limits as by the reader, and the file written is one
Excel opens: no column past XFD (TOO_MANY_COLUMNS when the written columns would need
one), and no character XML cannot carry, even where the upload had one (copied XML
parts are cleaned, see `xlsx_text.clean_xml`). Cells written are inline strings: text,
never a formula, whatever they begin with.
"""

import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO

from project_factory.domain.resources import RowStatus
from project_factory.errors import DomainError, InvalidRequestError
from project_factory.sheets.layout import (
    ERRORS_COLUMN,
    HEADER_SCAN_ROWS,
    PLAN_COLUMN,
    STATUS_COLUMN,
    Header,
    find_sheet,
    is_blank,
    is_data_tab,
    locate_header,
    place,
    top_row_values,
)
from project_factory.sheets.limits import (
    DEFAULT_LIMITS,
    EXCEL_MAX_COLUMNS,
    WorkbookLimits,
    refused,
)
from project_factory.sheets.messages import Messages
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import SheetSpec, tab_value_columns
from project_factory.sheets.xlsx_dates import DateStyles
from project_factory.sheets.xlsx_edit import (
    cell_style,
    replace_cells,
    set_columns,
    widen_dimension,
    widen_spans,
)
from project_factory.sheets.xlsx_package import DAMAGED, XlsxPackage, unreadable
from project_factory.sheets.xlsx_references import column_letters
from project_factory.sheets.xlsx_rows import CHUNK_SIZE, RawCell, RawRow, SheetXml
from project_factory.sheets.xlsx_text import clean_xml
from project_factory.sheets.xlsx_values import CellValues

ERROR_SEPARATOR = "; "
_STATUS_COLUMNS = (STATUS_COLUMN, ERRORS_COLUMN)
_MIN_WIDTH = 14
_ERRORS_WIDTH = 60
#: Text standing for a shared string that was not read: only blank ones matter there.
_UNREAD = "\x00"
#: Written rows are handed to the compressor in batches of about this size.
_FLUSH_BYTES = 1 << 20
#: Parts that are XML, cleaned as they are copied; others (images) are copied as they are.
_XML_PART = re.compile(r"(?i)\.(?:xml|rels|vml)$")
#: The longest character reference (`&#x10FFFF;`, `&#1114111;`): kept whole across chunks.
_REFERENCE_BYTES = 12


class ResultsMismatch(DomainError, ValueError):
    """The results do not fit (out of order, an output the type lacks): the caller's
    mistake, not the file's; a DomainError, so its code (not its name) is what a failed
    step reports."""

    code = "RESULTS_MISMATCH"


@dataclass(frozen=True)
class RowResult:
    status: RowStatus
    id: str | None = None
    #: output key (see SheetSpec.output_columns) -> value
    output: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    #: a validation's plan for the row (`#plan#`, written when asked for): create, update:
    #: <columns>, deactivate, skip, invalid
    plan: str | None = None


def write_processed(
    original: BinaryIO | bytes,
    spec: SheetSpec,
    results: Iterable[tuple[int, RowResult]],
    messages: Messages,
    locale: str | None,
    target: BinaryIO,
    *,
    json_schema: Mapping[str, Any] | None = None,
    limits: WorkbookLimits = DEFAULT_LIMITS,
    plan_column: bool = False,
) -> None:
    """Write the upload with every data row's outcome to `target` (a writable binary file).

    `plan_column` adds (or reuses) `#plan#`, each row's RowResult.plan: a validation's.

    `results` are (Excel row number, result) pairs in ascending row order, consumed
    once as the sheet is written; for a spec read across tabs (SheetSpec.across_tabs),
    (place, result) pairs in ascending place order (layout.place). A data row without a
    result is marked FAILED (it must never vanish silently); results of rows that are
    not data rows are ignored. An upload that cannot be read (or passes `limits`)
    raises WorkbookError.
    """
    schema = json_schema if json_schema is not None else bundled_json_schema(spec.schema_identifier)
    status_columns = (*_STATUS_COLUMNS, *((PLAN_COLUMN,) if plan_column else ()))
    written = (*spec.written_columns, *status_columns)
    known = [*(schema.get("x-columns") or schema["properties"]), *written]
    missing = RowResult(
        status=RowStatus.FAILED, errors=[messages.text("PF_ERR_NO_OUTCOME", locale)]
    )
    with XlsxPackage(original, limits) as package:
        try:
            tabs = _data_tabs(package, spec, schema, messages, messages.lookup(known))
            plans = [_plan_tab(package, tab, written, messages, locale) for tab in tabs]
            outcomes = _Outcomes(results)
            writers = {
                tab.part: _RowWriter(tab, plan, spec, outcomes, missing)
                for tab, plan in zip(tabs, plans, strict=True)
            }
            _write_package(package, writers, target)
        except ResultsMismatch:
            raise
        except DAMAGED as error:
            raise unreadable(error) from error


@dataclass(frozen=True)
class _Layout:
    header: Header
    #: the style of the header's last cell, given to the header cells added
    header_style: bytes
    values: CellValues


@dataclass(frozen=True)
class _Tab:
    """A data sheet: its part, where its rows' results are, its header."""

    part: str
    #: the place of the sheet's row 0: row n's result is the one at `base + n` (0 but
    #: for a file read across tabs, see layout.place)
    base: int
    layout: _Layout


@dataclass(frozen=True)
class _Plan:
    #: column code -> 1-based index, for every column written
    columns: dict[str, int]
    #: index -> text of the header cells to add
    new_headers: dict[int, str]
    widths: dict[int, float]
    last_column: int


def _data_tabs(
    package: XlsxPackage,
    spec: SheetSpec,
    schema: Mapping[str, Any],
    messages: Messages,
    spellings: Mapping[str, str],
) -> list[_Tab]:
    """The sheets whose rows get outcomes, in workbook order: the data sheet or, for a
    file read across tabs, every sheet whose header makes it a data tab."""
    if not spec.across_tabs:
        title = find_sheet(package.sheet_names, spec.data_sheet, messages)
        (top,) = _read_tops(package, [title])
        return [_Tab(top.part, 0, top.layout(spellings))]
    assert spec.boundary_column is not None
    values = tab_value_columns(spec, schema)
    tabs: dict[str, _Tab] = {}
    for index, top in enumerate(_read_tops(package, package.sheet_names)):
        layout = _layout_or_none(top, spellings)
        if layout is None or top.part in tabs:
            continue
        if is_data_tab(layout.header, spec.boundary_column, values):
            tabs[top.part] = _Tab(top.part, place(index, 0), layout)
    if not tabs:
        raise InvalidRequestError(
            f"The workbook has no sheet whose header names "
            f"'{messages.text(spec.boundary_column)}' and a column among "
            f"{', '.join(repr(messages.text(column)) for column in values)}; "
            f"its sheets are: {', '.join(package.sheet_names) or 'none'}",
            code="DATA_SHEET_MISSING",
            sheet=spec.data_sheet,
        )
    return list(tabs.values())


@dataclass(frozen=True)
class _Top:
    """A sheet's top rows, where its header is looked for, and how its cells read."""

    title: str
    part: str
    rows: list[tuple[int, list[RawCell]]]
    values: CellValues

    def layout(self, spellings: Mapping[str, str]) -> _Layout:
        """Where the header is (InvalidRequestError HEADER_MISSING when there is none)."""
        decoded = [
            (number, {cell.column: self.values.value(cell, number) for cell in cells})
            for number, cells in self.rows
        ]
        header = locate_header(self.title, top_row_values(decoded), spellings)
        header_cells = next(
            (cells for number, cells in self.rows if number == header.row_number), []
        )
        model = next((cell for cell in header_cells if cell.column == header.last_column), None)
        return _Layout(header, cell_style(model) if model else b"", self.values)


def _layout_or_none(top: _Top, spellings: Mapping[str, str]) -> _Layout | None:
    """The sheet's layout, or None for a sheet with no header at all (the readme, the
    lists, the metadata)."""
    try:
        return top.layout(spellings)
    except InvalidRequestError as error:
        if error.code != "HEADER_MISSING":
            raise
        return None


def _read_tops(package: XlsxPackage, titles: Sequence[str]) -> list[_Top]:
    """The top rows of the sheets `titles`, and of the shared strings those they use
    (read in one pass for all the sheets)."""
    tops = [_top_rows(package, title) for title in titles]
    wanted = {
        index for _, _, prefix, rows in tops for index in _shared_indexes(prefix, rows, package)
    }
    texts: dict[int, str] = {}
    blank: set[int] = set()
    for index, text in enumerate(package.shared_strings()):
        if index in wanted:
            texts[index] = text
        elif not text.strip():
            blank.add(index)
    shared = _SharedTexts(texts, blank)
    return [
        _Top(title, part, rows, CellValues(shared, DateStyles(), prefix, package.limits))
        for title, part, prefix, rows in tops
    ]


_TopRows = tuple[str, str, bytes, list[tuple[int, list[RawCell]]]]


def _top_rows(package: XlsxPackage, title: str) -> _TopRows:
    """The sheet's part, its namespace prefix and its cells in the rows a header may be in."""
    part = package.sheet_part(title)
    with package.open(part) as stream:
        sheet = SheetXml(stream, package.limits)
        rows: list[tuple[int, list[RawCell]]] = []
        for row in sheet.rows():
            if row.number > HEADER_SCAN_ROWS:
                break
            rows.append((row.number, sheet.cells(row)))
        return title, part, sheet.prefix, rows


def _shared_indexes(
    prefix: bytes, rows: list[tuple[int, list[RawCell]]], package: XlsxPackage
) -> Iterator[int]:
    """The shared strings those rows' cells use."""
    raw = CellValues([], DateStyles(), prefix, package.limits)
    for _, cells in rows:
        for cell in cells:
            if cell.kind == b"s" and (value := raw.raw_value(cell)):
                yield int(value)


class _SharedTexts:
    """The shared strings the writer read: those of the header rows; the others only
    as blank or not, which is all a data row needs to know."""

    def __init__(self, texts: dict[int, str], blank: set[int]) -> None:
        self._texts, self._blank = texts, blank

    def __getitem__(self, index: int) -> str:
        text = self._texts.get(index)
        if text is not None:
            return text
        return "" if index in self._blank else _UNREAD


def _last_used(package: XlsxPackage, part: str, layout: _Layout) -> int:
    """The last column with a value in the header or any row below it."""
    header = layout.header
    last_used = header.last_column
    with package.open(part) as stream:
        sheet = SheetXml(stream, package.limits)
        for row in sheet.rows():
            if row.number <= header.row_number:
                continue
            last = sheet.last_cell(row)
            if last is not None and last.column <= last_used:
                # the usual row, as wide as the header or narrower: no need for its cells
                continue
            for cell in reversed(sheet.cells(row)):
                if cell.column <= last_used:
                    break
                if not is_blank(layout.values.value(cell, row.number)):
                    last_used = cell.column
                    break
    return last_used


def _plan_tab(
    package: XlsxPackage,
    tab: _Tab,
    written: Sequence[str],
    messages: Messages,
    locale: str | None,
) -> _Plan:
    """Where a data sheet's written columns go: the header's, then those it lacks."""
    header = tab.layout.header
    appended = [code for code in written if code not in header.columns]
    # Only appended columns need to know where the rows end (a full extra pass).
    last_used = _last_used(package, tab.part, tab.layout) if appended else 0
    return _plan(header, appended, last_used, messages, locale)


def _plan(
    header: Header, appended: list[str], last_used: int, messages: Messages, locale: str | None
) -> _Plan:
    """Where every written column is: the header's, then the `appended` ones after the
    last used column, with their header text and width."""
    columns = dict(header.columns)
    new_headers: dict[int, str] = {}
    widths: dict[int, float] = {}
    for index, code in enumerate(appended, start=last_used + 1):
        text = messages.text(code, locale)
        new_headers[index] = text
        widths[index] = _ERRORS_WIDTH if code == ERRORS_COLUMN else max(_MIN_WIDTH, len(text) + 2)
        columns[code] = index
    last_column = max(columns.values())
    if last_column > EXCEL_MAX_COLUMNS:
        raise refused(
            "TOO_MANY_COLUMNS",
            f"The processed file needs column {column_letters(last_column)}, past XFD "
            f"(Excel's last column): the sheet uses columns up to {column_letters(last_used)}",
        )
    return _Plan(columns, new_headers, widths, last_column)


class _Outcomes:
    """The results, taken in row order as the sheet's rows go by."""

    def __init__(self, results: Iterable[tuple[int, RowResult]]) -> None:
        self._results: Iterator[tuple[int, RowResult]] = iter(results)
        self._next = next(self._results, None)

    def take(self, row_number: int) -> RowResult | None:
        """The result of `row_number`, skipping those of earlier rows that are not data."""
        while self._next is not None and self._next[0] < row_number:
            self._advance()
        if self._next is None or self._next[0] != row_number:
            return None
        result = self._next[1]
        self._advance()
        return result

    def _advance(self) -> None:
        assert self._next is not None
        number = self._next[0]
        self._next = next(self._results, None)
        if self._next is not None and self._next[0] <= number:
            raise ResultsMismatch(
                f"results must come in ascending row order; row {self._next[0]} came after {number}"
            )


class _RowWriter:
    """Writes a data sheet: its head adjusted, each row as it comes, its tail."""

    def __init__(
        self,
        tab: _Tab,
        plan: _Plan,
        spec: SheetSpec,
        outcomes: _Outcomes,
        missing: RowResult,
    ) -> None:
        self._layout, self._base, self._plan, self._spec = tab.layout, tab.base, plan, spec
        self._outcomes, self._missing = outcomes, missing

    def write(self, sheet: SheetXml, sink: IO[bytes]) -> None:
        plan = self._plan
        status, errors = plan.columns[STATUS_COLUMN], plan.columns[ERRORS_COLUMN]
        head = widen_dimension(sheet.head, plan.last_column)
        sink.write(set_columns(head, sheet.prefix, plan.widths, shown=(status, errors)))
        pending: list[bytes] = []
        size = 0
        for row in sheet.rows():
            xml = self._row(sheet, row)
            pending.append(xml)
            size += len(xml)
            if size >= _FLUSH_BYTES:
                sink.write(clean_xml(b"".join(pending)))
                pending, size = [], 0
        sink.write(clean_xml(b"".join(pending)))
        _copy_clean(_Chunks(sheet.tail()), sink)

    def _row(self, sheet: SheetXml, row: RawRow) -> bytes:
        header_row = self._layout.header.row_number
        if row.number < header_row:
            return row.xml
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


def _write_package(
    package: XlsxPackage, writers: Mapping[str, _RowWriter], target: BinaryIO
) -> None:
    """Every part of the upload to `target`, the data sheets rewritten by their writers
    (part -> writer, in workbook order) and the others copied.

    The results are one stream, in workbook order: the k-th zip entry holding a data
    sheet gets the k-th data sheet of the workbook (parts are found by name, so the order
    of a zip's entries is free).
    """
    in_order = iter(writers)
    pending = set(writers)
    with zipfile.ZipFile(target, "w") as out:
        for info in package.archive.infolist():
            writer = None
            if info.filename in pending:
                pending.discard(info.filename)
                part = next(in_order)
                info, writer = package.archive.getinfo(part), writers[part]
            with package.open(info.filename) as source, out.open(_entry_like(info), "w") as sink:
                if writer is not None:
                    writer.write(SheetXml(source, package.limits), sink)
                elif _XML_PART.search(info.filename):
                    _copy_clean(source, sink)
                else:
                    _copy(source, sink)


def _copy(source: BinaryIO, sink: IO[bytes]) -> None:
    while data := source.read(CHUNK_SIZE):
        sink.write(data)


def _copy_clean(source: "BinaryIO | _Chunks", sink: IO[bytes]) -> None:
    """Copies XML, replacing what XML cannot carry (a reference is never cut in two)."""
    carry = b""
    while data := source.read(CHUNK_SIZE):
        data = carry + data
        amp = data.rfind(b"&", len(data) - _REFERENCE_BYTES)
        if amp >= 0 and b";" not in data[amp:]:
            data, carry = data[:amp], data[amp:]
        else:
            carry = b""
        sink.write(clean_xml(data))
    sink.write(clean_xml(carry))


class _Chunks:
    """Chunks of bytes read as a stream."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)

    def read(self, _: int) -> bytes:
        for chunk in self._chunks:
            if chunk:
                return chunk
        return b""


def _entry_like(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A new entry with the name, date, compression and attributes of `info`."""
    entry = zipfile.ZipInfo(info.filename, info.date_time)
    entry.compress_type = info.compress_type
    entry.external_attr = info.external_attr
    entry.create_system = info.create_system
    entry.comment = info.comment
    return entry
