"""The boundary sheet: every boundary a template lists, with the names of its ancestors.

A data template shows it beside the data sheet, so the administrator can look up the
code of a boundary by its name (the data sheet takes codes). A boundary template has it
too, hidden before its target tabs, which name their boundaries themselves. One column
per hierarchy level, then the boundary code.
"""

from typing import Any

from project_factory.domain.boundaries import Boundary
from project_factory.sheets.spec import BOUNDARY_CODE_COLUMN, BOUNDARY_SHEET
from project_factory.sheets.template_book import TemplateBook, column_width, sheet_setup
from project_factory.sheets.template_boundaries import BoundaryPaths, TemplateBoundaries
from project_factory.sheets.written import safe_row

#: Wide enough for DIGIT's boundary codes.
_CODE_WIDTH = 28


def write_boundary_sheet(
    book: TemplateBook, boundaries: TemplateBoundaries, paths: BoundaryPaths, *, hidden: bool
) -> None:
    """The boundary sheet, one row per selected boundary, parents first."""
    headers = [book.level_text(boundaries.hierarchy_type, level) for level in boundaries.levels]
    widths = [*(column_width(header) for header in headers), _CODE_WIDTH]
    headers.append(book.text(BOUNDARY_CODE_COLUMN))
    sheet = book.sheet(book.text(BOUNDARY_SHEET), widths=widths)
    if hidden:
        sheet_setup(sheet).sheet_state = "hidden"
    book.header(sheet, headers)
    for boundary in boundaries.selected:
        sheet.append(safe_row(sheet, _row(paths, boundary, len(boundaries.levels))))


def _row(paths: BoundaryPaths, boundary: Boundary, levels: int) -> list[Any]:
    """The names of the boundary's ancestors and its own by level, then its code."""
    cells: list[Any] = [None] * (levels + 1)
    for column, node in paths.path(boundary):
        # A boundary deeper than the levels named has no column of its own.
        if column < levels:
            cells[column] = node.name
    cells[levels] = boundary.code
    return cells
