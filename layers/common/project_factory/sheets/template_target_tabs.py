"""A boundary template's target tabs: one per boundary of the split level (district).

Each tab lists the boundaries to set targets for below its split boundary: the names of
their ancestors from the split level down, their code, and the target columns to fill
(unlocked, with a range check when the schema limits them). Targets go on the deepest
selected boundaries, so a boundary with a selected child is not listed. Tabs follow the
hierarchy's order; a tab's title is its boundary's name (made unique by TemplateBook).
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from project_factory.domain.boundaries import Boundary
from project_factory.sheets.spec import BOUNDARY_CODE_COLUMN
from project_factory.sheets.template_book import UNLOCKED, TemplateBook, column_width, sheet_setup
from project_factory.sheets.template_boundaries import (
    BoundaryPaths,
    TemplateBoundaries,
    split_level_index,
)
from project_factory.sheets.template_validations import target_validation, validate_column
from project_factory.sheets.written import safe_row


@dataclass(frozen=True)
class _TabLayout:
    """The columns every target tab shares."""

    #: the split level's index among the hierarchy's levels
    split: int
    #: the number of the hierarchy's levels
    depth: int
    #: the target columns' codes, in schema order
    targets: Sequence[str]
    headers: Sequence[str]

    @property
    def first_target(self) -> int:
        """The index (from 0) of the first target column: after the levels and the code."""
        return self.depth - self.split + 1


def write_target_tabs(
    book: TemplateBook,
    json_schema: Mapping[str, Any],
    boundaries: TemplateBoundaries,
    paths: BoundaryPaths,
) -> None:
    """The target tabs, after the (hidden) boundary sheet."""
    properties: Mapping[str, Mapping[str, Any]] = json_schema["properties"]
    layout = _layout(book, json_schema, boundaries)
    for split_boundary, rows in boundaries_per_tab(boundaries, paths, layout.split):
        sheet = book.sheet(split_boundary.name, widths=[column_width(h) for h in layout.headers])
        _unlock_targets(sheet, layout)
        book.header(sheet, layout.headers)
        for boundary in rows:
            sheet.append(safe_row(sheet, _row(paths, boundary, layout)))
        if rows:
            _add_validations(book, sheet, properties, layout, len(rows))


def boundaries_per_tab(
    boundaries: TemplateBoundaries, paths: BoundaryPaths, split: int
) -> Iterator[tuple[Boundary, list[Boundary]]]:
    """Per boundary of the split level, the selected boundaries to set targets for below
    it: those with no selected child (targets go on the deepest selected boundaries)."""
    selected = {boundary.code for boundary in boundaries.selected}
    parents = {boundary.parent for boundary in boundaries.selected if boundary.parent in selected}
    tabs: dict[str, tuple[Boundary, list[Boundary]]] = {}
    for boundary in boundaries.selected:
        if boundary.code in parents:
            continue
        anchor = next((node for column, node in paths.path(boundary) if column == split), None)
        if anchor is not None:
            tabs.setdefault(anchor.code, (anchor, []))[1].append(boundary)
    yield from sorted(tabs.values(), key=lambda tab: paths.position[tab[0].code])


def _layout(
    book: TemplateBook, json_schema: Mapping[str, Any], boundaries: TemplateBoundaries
) -> _TabLayout:
    split = split_level_index(boundaries.levels)
    columns = json_schema.get("x-columns") or json_schema["properties"]
    # The schema's boundary code is the tabs' code column, written from the hierarchy.
    targets = [column for column in columns if column != BOUNDARY_CODE_COLUMN]
    headers = [
        book.level_text(boundaries.hierarchy_type, level) for level in boundaries.levels[split:]
    ]
    headers += [book.text(BOUNDARY_CODE_COLUMN), *(book.text(column) for column in targets)]
    return _TabLayout(split, len(boundaries.levels), targets, headers)


def _unlock_targets(sheet: WriteOnlyWorksheet, layout: _TabLayout) -> None:
    # Target columns are unlocked whole (a column style, before any row), not cell by
    # cell: a tab's rows are its boundaries, and a styled cell per target per boundary
    # would be most of the cost of a large template. The styled header stays locked.
    for index in range(layout.first_target, len(layout.headers)):
        sheet_setup(sheet).column_dimensions[get_column_letter(index + 1)].protection = UNLOCKED


def _row(paths: BoundaryPaths, boundary: Boundary, layout: _TabLayout) -> list[Any]:
    """The names of the boundary's ancestors from the split level down, then its code."""
    cells: list[Any] = [None] * (layout.depth - layout.split)
    for column, node in paths.path(boundary):
        if layout.split <= column < layout.depth:
            cells[column - layout.split] = node.name
    return [*cells, boundary.code]


def _add_validations(
    book: TemplateBook,
    sheet: WriteOnlyWorksheet,
    properties: Mapping[str, Mapping[str, Any]],
    layout: _TabLayout,
    rows: int,
) -> None:
    for index, column in enumerate(layout.targets, start=layout.first_target):
        validation = target_validation(book, properties[column], layout.headers[index])
        if validation is not None:
            validate_column(sheet, validation, index + 1, rows + 1)
