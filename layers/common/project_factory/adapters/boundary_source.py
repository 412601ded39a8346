"""Boundary source: the hierarchy of boundaries (country > province > ...) of a tenant.

The original asked the boundary service for it about a thousand times per campaign; a
source is asked once per process and answers from memory afterwards. The bundled
source serves sample hierarchies shipped in `project_factory/data/boundaries/`, the same
for every tenant (the local stack and the demo have no boundary service).
"""

import gzip
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Protocol

from project_factory.errors import NotFoundError

_HIERARCHY_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


@dataclass(frozen=True)
class Boundary:
    code: str
    name: str
    #: the hierarchy level, e.g. "District"
    type: str
    #: the parent's code; None for the top level
    parent: str | None


class BoundarySource(Protocol):
    def hierarchy(self, tenant_id: str, hierarchy_type: str) -> list[str]:
        """Level names, top first. NotFoundError for an unknown hierarchy."""
        ...

    def boundaries(self, tenant_id: str, hierarchy_type: str) -> list[Boundary]:
        """Every boundary, parents before children."""
        ...

    def codes(self, tenant_id: str, hierarchy_type: str) -> set[str]:
        """The codes of every boundary."""
        ...

    def descendants(
        self,
        tenant_id: str,
        hierarchy_type: str,
        codes: Iterable[str],
        include_all_children: bool,
    ) -> list[Boundary]:
        """The boundaries `codes` and, with `include_all_children`, everything below them.

        In hierarchy order, each once. NotFoundError names codes that do not exist.
        """
        ...


@dataclass(frozen=True)
class _Hierarchy:
    levels: tuple[str, ...]
    boundaries: tuple[Boundary, ...]
    by_code: Mapping[str, Boundary]
    children: Mapping[str, tuple[str, ...]]
    position: Mapping[str, int]


class BundledBoundarySource:
    """Hierarchies shipped with the code, loaded once per process; tenants share them."""

    def hierarchy(self, tenant_id: str, hierarchy_type: str) -> list[str]:
        return list(_load(hierarchy_type).levels)

    def boundaries(self, tenant_id: str, hierarchy_type: str) -> list[Boundary]:
        return list(_load(hierarchy_type).boundaries)

    def codes(self, tenant_id: str, hierarchy_type: str) -> set[str]:
        return set(_load(hierarchy_type).by_code)

    def descendants(
        self,
        tenant_id: str,
        hierarchy_type: str,
        codes: Iterable[str],
        include_all_children: bool,
    ) -> list[Boundary]:
        tree = _load(hierarchy_type)
        wanted = list(dict.fromkeys(codes))
        unknown = [code for code in wanted if code not in tree.by_code]
        if unknown:
            raise NotFoundError(
                f"Boundaries not in hierarchy '{hierarchy_type}': {', '.join(unknown)}",
                codes=unknown,
            )
        found: set[str] = set()
        pending = wanted
        while pending:
            code = pending.pop()
            if code in found:
                continue
            found.add(code)
            if include_all_children:
                pending.extend(tree.children.get(code, ()))
        return [tree.by_code[code] for code in sorted(found, key=tree.position.__getitem__)]


@cache
def _load(hierarchy_type: str) -> _Hierarchy:
    if not _HIERARCHY_NAME.match(hierarchy_type):
        raise NotFoundError(f"No boundary hierarchy '{hierarchy_type}'")
    entry = resources.files("project_factory").joinpath(
        "data", "boundaries", f"{hierarchy_type}.json.gz"
    )
    if not entry.is_file():
        raise NotFoundError(f"No boundary hierarchy '{hierarchy_type}'")
    document = json.loads(gzip.decompress(entry.read_bytes()))
    boundaries = tuple(Boundary(*row) for row in document["boundaries"])
    children: dict[str, list[str]] = {}
    for boundary in boundaries:
        if boundary.parent is not None:
            children.setdefault(boundary.parent, []).append(boundary.code)
    return _Hierarchy(
        levels=tuple(document["levels"]),
        boundaries=boundaries,
        by_code={boundary.code: boundary for boundary in boundaries},
        children={parent: tuple(codes) for parent, codes in children.items()},
        position={boundary.code: index for index, boundary in enumerate(boundaries)},
    )
