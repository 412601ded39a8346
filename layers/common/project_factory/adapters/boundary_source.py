"""Boundary source: the hierarchy of boundaries (country > province > ...) of a tenant.

The original asked the boundary service for it about a thousand times per campaign; a
source is asked once per process and answers from memory afterwards. The bundled
source serves sample hierarchies shipped in `project_factory/data/boundaries/`, the same
for every tenant (the local stack and the demo have no boundary service); the DIGIT
source asks the boundary service and keeps its answers for a bounded time.
"""

import gzip
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

from project_factory.adapters.digit_paths import DEFAULT_PATHS, DigitPaths
from project_factory.domain.boundaries import Boundary
from project_factory.errors import NotFoundError, UpstreamError
from project_factory.settings import Settings

if TYPE_CHECKING:
    # Imported when a DIGIT source is built: `requests` is slow to import on a cold start.
    from project_factory.adapters.http import JsonHttpClient

_HIERARCHY_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


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
        return _descendants(_load(hierarchy_type), hierarchy_type, codes, include_all_children)


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
    return _index(document["levels"], [Boundary(*row) for row in document["boundaries"]])


def _index(levels: Sequence[str], boundaries: Sequence[Boundary]) -> _Hierarchy:
    """A hierarchy with its lookups; `boundaries` lists parents before children."""
    children: dict[str, list[str]] = {}
    for boundary in boundaries:
        if boundary.parent is not None:
            children.setdefault(boundary.parent, []).append(boundary.code)
    return _Hierarchy(
        levels=tuple(levels),
        boundaries=tuple(boundaries),
        by_code={boundary.code: boundary for boundary in boundaries},
        children={parent: tuple(codes) for parent, codes in children.items()},
        position={boundary.code: index for index, boundary in enumerate(boundaries)},
    )


def _descendants(
    tree: _Hierarchy, hierarchy_type: str, codes: Iterable[str], include_all_children: bool
) -> list[Boundary]:
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


class DigitBoundarySource:
    """Hierarchies of the DIGIT boundary service, kept per tenant for `ttl_seconds`.

    Two searches: the hierarchy definition (level names) and the relationship tree (every
    boundary with its children). DIGIT keeps boundary names in its localisation service, so
    a boundary's name here is its code. Faults come from JsonHttpClient: unreachable or
    5xx is TransientError, a refusal UpstreamError; a hierarchy the service does not define
    is NotFoundError.
    """

    def __init__(
        self,
        client: "JsonHttpClient",
        *,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        paths: DigitPaths = DEFAULT_PATHS,
    ) -> None:
        self._client = client
        self._paths = paths
        self._levels = _TtlCache[tuple[str, ...]](ttl_seconds, clock)
        self._trees = _TtlCache[_Hierarchy](ttl_seconds, clock)

    def hierarchy(self, tenant_id: str, hierarchy_type: str) -> list[str]:
        return list(self._level_names(tenant_id, hierarchy_type))

    def boundaries(self, tenant_id: str, hierarchy_type: str) -> list[Boundary]:
        return list(self._tree(tenant_id, hierarchy_type).boundaries)

    def codes(self, tenant_id: str, hierarchy_type: str) -> set[str]:
        return set(self._tree(tenant_id, hierarchy_type).by_code)

    def descendants(
        self,
        tenant_id: str,
        hierarchy_type: str,
        codes: Iterable[str],
        include_all_children: bool,
    ) -> list[Boundary]:
        tree = self._tree(tenant_id, hierarchy_type)
        return _descendants(tree, hierarchy_type, codes, include_all_children)

    def _level_names(self, tenant_id: str, hierarchy_type: str) -> tuple[str, ...]:
        return self._levels.get(
            (tenant_id, hierarchy_type), lambda: self._fetch_levels(tenant_id, hierarchy_type)
        )

    def _tree(self, tenant_id: str, hierarchy_type: str) -> _Hierarchy:
        return self._trees.get(
            (tenant_id, hierarchy_type), lambda: self._fetch_tree(tenant_id, hierarchy_type)
        )

    def _fetch_levels(self, tenant_id: str, hierarchy_type: str) -> tuple[str, ...]:
        criteria = {"tenantId": tenant_id, "hierarchyType": hierarchy_type}
        answer = self._client.post(
            self._paths.hierarchy_search, {"BoundaryTypeHierarchySearchCriteria": criteria}
        )
        for definition in answer.get("BoundaryHierarchy") or []:
            if definition.get("hierarchyType") == hierarchy_type:
                return _top_down(hierarchy_type, definition.get("boundaryHierarchy") or [])
        raise NotFoundError(f"No boundary hierarchy '{hierarchy_type}' for tenant {tenant_id}")

    def _fetch_tree(self, tenant_id: str, hierarchy_type: str) -> _Hierarchy:
        levels = self._level_names(tenant_id, hierarchy_type)
        answer = self._client.post(
            self._paths.relationship_search,
            {},
            {"tenantId": tenant_id, "hierarchyType": hierarchy_type, "includeChildren": True},
        )
        roots = [
            node
            for tree in answer.get("TenantBoundary") or []
            if tree.get("hierarchyType", hierarchy_type) == hierarchy_type
            for node in tree.get("boundary") or []
        ]
        boundaries: list[Boundary] = []
        # Depth first, children in the service's order: parents always precede children.
        pending: list[tuple[Mapping[str, Any], str | None]] = [
            (node, None) for node in reversed(roots)
        ]
        while pending:
            node, parent = pending.pop()
            code = str(node["code"])
            boundaries.append(Boundary(code, code, str(node.get("boundaryType")), parent))
            pending.extend((child, code) for child in reversed(node.get("children") or []))
        return _index(levels, boundaries)


class _TtlCache[T]:
    """Values per key for a bounded time; a value is loaded outside the lock."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float]) -> None:
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[float, T]] = {}

    def get(self, key: tuple[str, str], load: Callable[[], T]) -> T:
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and now < entry[0]:
            return entry[1]
        value = load()
        with self._lock:
            # Expired entries of other keys go too, so the cache stays as small as its use.
            self._entries = {k: v for k, v in self._entries.items() if now < v[0]}
            self._entries[key] = (now + self._ttl_seconds, value)
        return value


def _top_down(hierarchy_type: str, levels: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Level names from the top, following parentBoundaryType links."""
    child_of = {
        level.get("parentBoundaryType"): str(level["boundaryType"])
        for level in levels
        if level.get("active", True) and level.get("boundaryType")
    }
    ordered: list[str] = []
    current = child_of.get(None)
    while current is not None and current not in ordered:
        ordered.append(current)
        current = child_of.get(current)
    if not ordered or len(ordered) != len(child_of):
        raise UpstreamError(
            f"the boundary service's hierarchy '{hierarchy_type}' is not a chain of levels"
        )
    return tuple(ordered)


@cache
def boundary_source(settings: Settings) -> BoundarySource:
    """The boundary source settings choose, one per process so its cache outlives a request."""
    if settings.boundary_source == "bundled":
        return BundledBoundarySource()
    from project_factory.adapters.http import JsonHttpClient

    client = JsonHttpClient.for_service(
        settings.boundary_service_url, "BOUNDARY_SERVICE_URL (BOUNDARY_SOURCE is digit)", settings
    )
    return DigitBoundarySource(
        client, ttl_seconds=settings.boundary_cache_seconds, paths=DigitPaths.of(settings)
    )
