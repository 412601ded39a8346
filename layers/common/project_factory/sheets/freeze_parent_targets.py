"""A child campaign's target tabs: the parent's targets kept beside editable copies.

The child's boundary template is generated as usual for the child's boundaries (the
parent's and the new ones); `freeze_targets` then reworks the tabs that list a boundary
the parent set targets for. Before each target column it puts a hidden, locked
`<header>(OLD)` column with the parent's value, and pre-fills the target column itself
with the same value, still editable. Tabs of the new boundaries stay as generated:
unlocked targets to fill, no OLD columns.

The parent's targets are read from every sheet of its boundaryWithTarget file whose
header names the boundary code and target columns: the tabs of a generated template
(a child's included: its OLD columns are not target columns) or a single sheet. That
file is an upload: it is read by the streaming scanner under the upload limits, and
the values written from it follow `sheets.written`'s rules (no formula, nothing XML
cannot hold).
"""

from collections.abc import Generator, Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from project_factory.errors import InvalidRequestError
from project_factory.sheets.cells import cell_text
from project_factory.sheets.layout import HEADER_SCAN_ROWS, is_blank, locate_header, top_row_values
from project_factory.sheets.limits import DEFAULT_LIMITS, WorkbookLimits
from project_factory.sheets.messages import Messages
from project_factory.sheets.openpyxl_edit import (
    HEADER_ROW,
    add_readme_line,
    header_columns,
    insert_column,
    load_template,
    plain_cell,
    save_template,
)
from project_factory.sheets.sheet_values import ValueRow, iter_values
from project_factory.sheets.spec import (
    BOUNDARY_CODE_COLUMN,
    BOUNDARY_WITH_TARGET,
    tab_value_columns,
)
from project_factory.sheets.written import set_text
from project_factory.sheets.xlsx_package import XlsxPackage

OLD_SUFFIX = "(OLD)"
_UNLOCKED = Protection(locked=False)

#: boundary code -> target column code -> value
Targets = Mapping[str, Mapping[str, Any]]


def target_columns(json_schema: Mapping[str, Any]) -> list[str]:
    """The columns of a boundaryWithTarget schema that hold targets, in schema order."""
    return tab_value_columns(BOUNDARY_WITH_TARGET, json_schema)


def parent_targets(
    data: bytes,
    json_schema: Mapping[str, Any],
    messages: Messages,
    limits: WorkbookLimits = DEFAULT_LIMITS,
) -> dict[str, dict[str, Any]]:
    """The targets set in a boundaryWithTarget file: boundary code -> column -> value,
    for the boundaries with at least one target."""
    columns = target_columns(json_schema)
    spellings = messages.lookup([BOUNDARY_CODE_COLUMN, *columns])
    found: dict[str, dict[str, Any]] = {}
    with XlsxPackage(data, limits) as package:
        for title in package.sheet_names:
            found |= _tab_targets(iter_values(package, title), title, columns, spellings)
    return found


#: a tab's rows as the reader streams them; closed when not read to the end, which closes
#: the sheet's stream now rather than when the generator is collected
_Rows = Generator[ValueRow]


def _tab_targets(
    rows: _Rows, title: str, columns: list[str], spellings: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """The targets of one tab; none for a tab that is not a sheet of targets."""
    top, below = _split_at_header_scan(rows)
    try:
        header = locate_header(title, top_row_values(top), spellings)
    except InvalidRequestError:
        # Not a sheet of targets (the readme, the lists): nothing to read there.
        rows.close()
        return {}
    code_at = header.columns.get(BOUNDARY_CODE_COLUMN)
    at = {column: header.columns[column] for column in columns if column in header.columns}
    if code_at is None or not at:
        rows.close()
        return {}
    following = [(n, cells) for n, cells in top if n > header.row_number]
    return _targets_by_code(chain(following, below, rows), code_at, at)


def _split_at_header_scan(
    rows: _Rows,
) -> tuple[list[tuple[int, dict[int, Any]]], list[tuple[int, dict[int, Any]]]]:
    """(the rows a header may be in, the first row below them): the rest stays unread."""
    top: list[tuple[int, dict[int, Any]]] = []
    below: list[tuple[int, dict[int, Any]]] = []
    for number, cells in rows:
        (top if number <= HEADER_SCAN_ROWS else below).append((number, cells))
        if number > HEADER_SCAN_ROWS:
            break
    return top, below


def _targets_by_code(
    rows: Iterable[tuple[int, dict[int, Any]]], code_at: int, at: Mapping[str, int]
) -> dict[str, dict[str, Any]]:
    """Boundary code -> the targets its row sets, for the rows that set any."""
    found: dict[str, dict[str, Any]] = {}
    for _, cells in rows:
        code = cells.get(code_at)
        set_here = {
            column: value for column, index in at.items() if not is_blank(value := cells.get(index))
        }
        if not is_blank(code) and set_here:
            found[cell_text(code)] = set_here
    return found


def freeze_targets(
    template: bytes,
    targets: Targets,
    json_schema: Mapping[str, Any],
    messages: Messages,
    locale: str,
) -> bytes:
    """`template` (a boundary template) with the parent's `targets` kept (see above)."""
    book = load_template(template)
    columns = target_columns(json_schema)
    spellings = messages.lookup([BOUNDARY_CODE_COLUMN, *columns])
    frozen_tabs = 0
    for sheet in book.worksheets:
        header = header_columns(sheet, spellings)
        code_at = header.pop(BOUNDARY_CODE_COLUMN, None)
        if code_at is None or not header:
            continue
        olds = [(number, targets.get(code, {})) for number, code in _codes(sheet, code_at)]
        if any(old for _, old in olds):
            _keep_old(sheet, header, olds)
            frozen_tabs += 1
    if frozen_tabs:
        add_readme_line(book, messages, messages.text("HCM_README_FROZEN_TARGETS", locale))
    return save_template(book)


def _keep_old(
    sheet: Worksheet,
    header: Mapping[str, int],
    olds: Sequence[tuple[int, Mapping[str, Any]]],
) -> None:
    # Right to left: a column inserted never moves the target columns still to do.
    for column, index in sorted(header.items(), key=lambda item: item[1], reverse=True):
        insert_column(sheet, index, f"{sheet.cell(HEADER_ROW, index).value}{OLD_SUFFIX}")
        sheet.column_dimensions[get_column_letter(index)].hidden = True
        for number, old in olds:
            if column not in old:
                continue
            # The OLD cell has no style: locked, as every cell is by default.
            set_text(plain_cell(sheet.cell(number, index)), old[column])
            # A cell written is no longer covered by its column's unlocked style.
            fresh = plain_cell(sheet.cell(number, index + 1))
            set_text(fresh, old[column])
            fresh.protection = _UNLOCKED


def _codes(sheet: Worksheet, code_at: int) -> Iterable[tuple[int, str]]:
    """(row number, boundary code) of the tab's rows."""
    for (cell,) in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=code_at, max_col=code_at):
        if not is_blank(cell.value):
            yield plain_cell(cell).row, cell_text(cell.value)
