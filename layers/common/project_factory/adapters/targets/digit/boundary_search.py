"""What the boundary service holds, for the boundary target (boundaries.py): the entities of
some codes, and which codes a hierarchy places.

A boundary is two records there: an entity (its code, `/boundary/_search`) and its place in
a hierarchy (a relationship to its parent, `/boundary-relationships/_search`, answered as
TenantBoundary[].boundary[] trees).
"""

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from project_factory.adapters.digit_paths import DigitPaths
from project_factory.adapters.http import JsonHttpClient, QueryValue
from project_factory.adapters.targets.digit.search_paging import chunks, pages


class BoundarySearch:
    """The boundary service's entities and one hierarchy's relationships, read by code."""

    def __init__(self, client: JsonHttpClient, paths: DigitPaths, hierarchy_type: str) -> None:
        self._client = client
        self._paths = paths
        self._hierarchy_type = hierarchy_type

    def entities(self, tenant_id: str, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The entities of these codes, by code."""
        entities: dict[str, dict[str, Any]] = {}
        for chunk in chunks(codes):
            params: dict[str, QueryValue] = {"tenantId": tenant_id, "codes": ",".join(chunk)}
            for entity in pages(partial(self._entities_page, params)):
                entities[str(entity.get("code"))] = entity
        return entities

    def related(self, tenant_id: str, codes: Sequence[str]) -> set[str]:
        """The codes among these that are in the hierarchy."""
        related: set[str] = set()
        for chunk in chunks(codes):
            answer = self._client.post(
                self._paths.relationship_search,
                {},
                {
                    "tenantId": tenant_id,
                    "hierarchyType": self._hierarchy_type,
                    "codes": ",".join(chunk),
                },
            )
            related |= _tree_codes(answer) & set(chunk)
        return related

    def hierarchy_codes(self, tenant_id: str) -> set[str]:
        """Every code the hierarchy places, in one search of the whole tree."""
        answer = self._client.post(
            self._paths.relationship_search,
            {},
            {"tenantId": tenant_id, "hierarchyType": self._hierarchy_type, "includeChildren": True},
        )
        return _tree_codes(answer)

    def _entities_page(
        self, params: dict[str, QueryValue], page: dict[str, QueryValue]
    ) -> list[dict[str, Any]] | None:
        """One page of the boundary search by codes."""
        found: list[dict[str, Any]] | None = self._client.post(
            self._paths.boundary_search, {}, params | page
        ).get("Boundary")
        return found


def _tree_codes(answer: Mapping[str, Any]) -> set[str]:
    """Every code in a relationship search answer (TenantBoundary[].boundary[] trees)."""
    codes: set[str] = set()
    stack = [
        node for tree in answer.get("TenantBoundary") or [] for node in tree.get("boundary") or []
    ]
    while stack:
        node = stack.pop()
        codes.add(str(node.get("code")))
        stack.extend(node.get("children") or [])
    return codes
