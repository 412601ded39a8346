"""The sheets the processed file writes outcomes on, and where each one's header is.

A single data sheet, or for a file read across tabs (SheetSpec.across_tabs) every sheet
whose header names the boundary code and a target column (layout.is_data_tab), in
workbook order, each with the place of its row 0 (layout.place) so that its rows'
results are found in the one sorted stream.

Only the rows a header may be in are read, and of the shared strings only those they
use, in one pass for every sheet surveyed; the others are only checked for being blank,
which is all a data row needs to know. Memory stays bounded whatever the size of the
sheets.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from project_factory.errors import InvalidRequestError
from project_factory.sheets.layout import (
    HEADER_SCAN_ROWS,
    Header,
    find_sheet,
    is_data_tab,
    locate_header,
    place,
    top_row_values,
)
from project_factory.sheets.messages import Messages
from project_factory.sheets.spec import SheetSpec, tab_value_columns
from project_factory.sheets.xlsx_dates import DateStyles
from project_factory.sheets.xlsx_edit import cell_style
from project_factory.sheets.xlsx_package import XlsxPackage
from project_factory.sheets.xlsx_rows import RawCell, SheetXml
from project_factory.sheets.xlsx_values import CellValues

#: Text standing for a shared string that was not read: only blank ones matter there.
_UNREAD = "\x00"


@dataclass(frozen=True)
class TabLayout:
    header: Header
    #: the style of the header's last cell, given to the header cells added
    header_style: bytes
    values: CellValues


@dataclass(frozen=True)
class DataTab:
    """A data sheet: its part, where its rows' results are, its header."""

    part: str
    #: the place of the sheet's row 0: row n's result is the one at `base + n` (0 but
    #: for a file read across tabs, see layout.place)
    base: int
    layout: TabLayout


def data_tabs(
    package: XlsxPackage,
    spec: SheetSpec,
    schema: Mapping[str, Any],
    messages: Messages,
    spellings: Mapping[str, str],
) -> list[DataTab]:
    """The sheets whose rows get outcomes, in workbook order: the data sheet or, for a
    file read across tabs, every sheet whose header makes it a data tab."""
    if not spec.across_tabs:
        title = find_sheet(package.sheet_names, spec.data_sheet, messages)
        (top,) = _read_tops(package, [title])
        return [DataTab(top.part, 0, top.layout(spellings))]
    assert spec.boundary_column is not None
    values = tab_value_columns(spec, schema)
    tabs: dict[str, DataTab] = {}
    for index, top in enumerate(_read_tops(package, package.sheet_names)):
        layout = _layout_or_none(top, spellings)
        if layout is None or top.part in tabs:
            continue
        if is_data_tab(layout.header, spec.boundary_column, values):
            tabs[top.part] = DataTab(top.part, place(index, 0), layout)
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

    def layout(self, spellings: Mapping[str, str]) -> TabLayout:
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
        return TabLayout(header, cell_style(model) if model else b"", self.values)


def _layout_or_none(top: _Top, spellings: Mapping[str, str]) -> TabLayout | None:
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
