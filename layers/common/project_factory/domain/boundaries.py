"""A boundary of a hierarchy (country > province > ...), as the boundary sources give it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Boundary:
    code: str
    name: str
    #: the hierarchy level, e.g. "District"
    type: str
    #: the parent's code; None for the top level
    parent: str | None
