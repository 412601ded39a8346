"""The boundaries a template lists, and the ancestors each of their rows names.

The boundary sheet and the target tabs both write a boundary's row as the names of its
ancestors, one column per hierarchy level. Boundary sources list a hierarchy parents
first but not every level is always there (a level missing from the hierarchy, a
boundary whose type is no level), so the column of each ancestor is worked out once per
boundary by `BoundaryPaths` and shared by both sheets.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from project_factory.domain.boundaries import Boundary

#: (level column, boundary) from the top of the hierarchy down to a boundary itself.
Path = tuple[tuple[int, Boundary], ...]


@dataclass(frozen=True)
class TemplateBoundaries:
    hierarchy_type: str
    #: level names, top first
    levels: Sequence[str]
    #: the whole hierarchy, parents first: names of ancestors, and the order of tabs
    every: Sequence[Boundary]
    #: the boundaries the template lists, parents first
    selected: Sequence[Boundary]


def level_column(hierarchy_type: str, level: str) -> str:
    """The localisation code of a hierarchy level's column (DIGIT's convention)."""
    return f"{hierarchy_type}_{level}".upper()


def split_level_index(levels: Sequence[str]) -> int:
    """The level tabs are made for: the one above the lowest (districts over localities)."""
    return max(len(levels) - 2, 0)


class BoundaryPaths:
    """Ancestors and level columns of boundaries, worked out once per boundary."""

    def __init__(self, boundaries: TemplateBoundaries) -> None:
        self._by_code = {boundary.code: boundary for boundary in boundaries.every}
        self._by_code.update({boundary.code: boundary for boundary in boundaries.selected})
        #: a boundary's place in the hierarchy (parents first): the order of the tabs
        self.position = {code: index for index, code in enumerate(self._by_code)}
        self._level_index = {level: index for index, level in enumerate(boundaries.levels)}
        self._paths: dict[str, Path] = {}

    def path(self, boundary: Boundary) -> Path:
        """(level column, boundary) from the top down to `boundary` itself."""
        known = self._paths.get(boundary.code)
        if known is not None:
            return known
        above: Path = ()
        parent = self._by_code.get(boundary.parent) if boundary.parent else None
        if parent is not None:
            above = self.path(parent)
        # A boundary whose type is no level takes the column of its depth.
        column = self._level_index.get(boundary.type, len(above))
        path = (*above, (column, boundary))
        self._paths[boundary.code] = path
        return path
