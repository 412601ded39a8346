"""DIGIT boundaries: entities in the boundary service, placed in a hierarchy.

The code is the boundary's key; the row's client reference, kept in
additionalDetails.clientReferenceId, tells our boundary from someone else's. What the
service holds is read through boundary_search.py.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from project_factory.adapters.digit_paths import DEFAULT_PATHS, DigitPaths
from project_factory.adapters.http import JsonHttpClient
from project_factory.adapters.targets.digit.boundary_search import BoundarySearch
from project_factory.adapters.targets.digit.sending import (
    Results,
    in_batches,
    refused,
    rejected,
    row_code,
    submit,
)
from project_factory.domain.target_calls import PendingRow, TargetResult
from project_factory.errors import UpstreamError


class BoundaryTarget:
    """Boundaries: an entity (code) and its place in a hierarchy (relationship to a parent).

    Boundary codes are unique in a tenant, so `create` confirms by itself: it reads the
    entities and relationships that exist for the batch's codes before and after it writes,
    and answers `created` only once the boundary is in the hierarchy.
    """

    resource_type = "boundary"
    confirms_by_search = False
    # The code is the boundary's key: a second create of it is refused, never stored.
    resend_after_seconds = 0.0

    def __init__(
        self,
        client: JsonHttpClient,
        hierarchy_type: str,
        batch_size: int,
        paths: DigitPaths = DEFAULT_PATHS,
    ) -> None:
        self._client = client
        self._paths = paths
        self._hierarchy_type = hierarchy_type
        self._batch_size = batch_size
        self._boundaries = BoundarySearch(client, paths, hierarchy_type)

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        return in_batches(rows, self._batch_size, lambda batch: self._create(tenant_id, batch))

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        """Boundaries of the hierarchy created for these references.

        The service searches entities by code only, and a reference does not tell the code,
        so this reads the hierarchy's codes, then their entities. That is a recovery path:
        `create` itself never needs it.
        """
        wanted = set(client_refs)
        entities = self._boundaries.entities(
            tenant_id, sorted(self._boundaries.hierarchy_codes(tenant_id))
        )
        return {
            ref: TargetResult(ref, "created", id=str(entity.get("id")))
            for entity in entities.values()
            if (ref := _boundary_ref(entity)) in wanted
        }

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        """Which boundary codes exist in the tenant."""
        if key != "code":
            return set()
        existing = self._boundaries.entities(tenant_id, [str(value) for value in values])
        return {value for value in values if str(value) in existing}

    def _create(self, tenant_id: str, batch: Sequence[PendingRow]) -> Results:
        results = {
            row.client_ref: rejected(row, "MISSING_CODE", "a boundary needs a code")
            for row in batch
            if not row_code(row)
        }
        by_code = {row_code(row): row for row in batch if row.client_ref not in results}
        # Level by level, parents first: a child is written only once its parent is in the
        # hierarchy, so a refused parent leaves no orphan child entity holding its code.
        for level in _levels(list(by_code.values())):
            ready = []
            for row in level:
                held = _held_by_parent(row, by_code, results)
                if held is None:
                    ready.append(row)
                else:
                    results[row.client_ref] = held
            if ready:
                results |= self._place(tenant_id, ready)
        return results

    def _place(self, tenant_id: str, rows: Sequence[PendingRow]) -> Results:
        """Entities of one level's rows, then their relationships; each step read back once."""
        results: Results = {}
        failed: Results = {}
        entities = self._boundaries.entities(tenant_id, [row_code(row) for row in rows])
        new = [row for row in rows if row_code(row) not in entities]
        if new:
            results, failed, written = self._write_entities(tenant_id, new)
            entities |= written
        owned = []
        for row in rows:
            if row.client_ref in results:
                continue
            unowned = _not_owned(row, entities.get(row_code(row)), failed)
            if unowned is None:
                owned.append(row)
            else:
                results[row.client_ref] = unowned
        return results | self._relate(tenant_id, owned, entities)

    def _write_entities(
        self, tenant_id: str, rows: Sequence[PendingRow]
    ) -> tuple[Results, Results, dict[str, dict[str, Any]]]:
        """Send the entities the service does not hold yet, and read back the ones not refused.

        Answers the rejections, every failed send's answer (by reference: it tells why an
        entity is missing afterwards) and the entities found by code after the send.
        """
        sent = submit(rows, lambda some: self._send_entities(tenant_id, some), "Boundary")
        refusals = {ref: result for ref, result in sent.items() if result.outcome == "rejected"}
        failed = {ref: result for ref, result in sent.items() if result.code}
        written = self._boundaries.entities(
            tenant_id, [row_code(row) for row in rows if row.client_ref not in refusals]
        )
        return refusals, failed, written

    def _send_entities(self, tenant_id: str, rows: Sequence[PendingRow]) -> Results:
        boundaries = [
            {
                "tenantId": tenant_id,
                "code": row_code(row),
                "additionalDetails": {
                    "clientReferenceId": row.client_ref,
                    "name": row.data.get("name"),
                },
            }
            for row in rows
        ]
        self._client.post(self._paths.boundary_create, {"Boundary": boundaries})
        # Sent; whether each is there is read back by code right after.
        return {row.client_ref: TargetResult(row.client_ref, "pending") for row in rows}

    def _relate(
        self, tenant_id: str, rows: Sequence[PendingRow], entities: Mapping[str, Mapping[str, Any]]
    ) -> Results:
        """Put rows (whose parents are in place) into the hierarchy, unless already there."""
        related = self._boundaries.related(tenant_id, [row_code(row) for row in rows])
        results: Results = {}
        sent = []
        for row in rows:
            if row_code(row) in related:
                continue
            relationship = {
                "tenantId": tenant_id,
                "code": row_code(row),
                "hierarchyType": self._hierarchy_type,
                "boundaryType": row.data.get("boundaryType"),
                "parent": _parent(row),
            }
            try:
                self._client.post(
                    self._paths.relationship_create, {"BoundaryRelationship": relationship}
                )
            except UpstreamError as exc:
                results[row.client_ref] = refused(row, exc)
                continue
            sent.append(row_code(row))
        if sent:
            related |= self._boundaries.related(tenant_id, sent)
        for row in rows:
            if row.client_ref in results:
                continue
            if row_code(row) in related:
                entity_id = str(entities[row_code(row)].get("id"))
                results[row.client_ref] = TargetResult(row.client_ref, "created", id=entity_id)
            else:
                results[row.client_ref] = TargetResult(
                    row.client_ref,
                    "pending",
                    code="AWAITING_CONFIRMATION",
                    reason="relationship accepted by the boundary service, not yet searchable",
                )
        return results


# -- payloads and answers -------------------------------------------------------------------


def _parent(row: PendingRow) -> str | None:
    parent = row.data.get("parentCode")
    return str(parent) if parent else None


def _boundary_ref(entity: Mapping[str, Any]) -> str | None:
    details = entity.get("additionalDetails")
    return details.get("clientReferenceId") if isinstance(details, dict) else None


def _held_by_parent(
    row: PendingRow, by_code: Mapping[str, PendingRow], results: Results
) -> TargetResult | None:
    """Why a row cannot be placed yet, judged by what its parent in this batch was answered;
    None when it can (its parent is created, or is not among the batch's rows)."""
    parent = by_code.get(_parent(row) or "")
    if parent is None:
        return None
    answered = results.get(parent.client_ref)
    if answered is None:
        # Its parent is at the same level or below: the rows form a cycle.
        return rejected(row, "PARENT_CYCLE", f"{row_code(row)} is among its own ancestors")
    if answered.outcome == "created":
        return None
    if answered.outcome == "rejected":
        return rejected(row, "PARENT_REJECTED", f"parent {_parent(row)} was rejected")
    return TargetResult(
        row.client_ref,
        "pending",
        code="AWAITING_PARENT",
        reason=f"parent {_parent(row)} is not in the hierarchy yet",
    )


def _not_owned(
    row: PendingRow, entity: Mapping[str, Any] | None, failed: Results
) -> TargetResult | None:
    """Why the entity of a row's code is not the row's own to relate; None when it is."""
    if entity is None:
        # Not there: the send's own failure says why, else it is not visible yet.
        return failed.get(row.client_ref) or TargetResult(
            row.client_ref,
            "pending",
            code="AWAITING_BOUNDARY",
            reason="boundary accepted by the boundary service, not yet searchable",
        )
    if _boundary_ref(entity) != row.client_ref:
        # The code is taken by a boundary this row did not create.
        return rejected(row, "DUPLICATE_CODE", f"boundary code {row_code(row)} already exists")
    return None


def _levels(rows: Sequence[PendingRow]) -> list[list[PendingRow]]:
    """Rows grouped by depth below the batch's own rows: parents come before children."""
    by_code = {row_code(row): row for row in rows}
    depths: dict[str, int] = {}

    def depth(row: PendingRow, seen: frozenset[str] = frozenset()) -> int:
        code, parent = row_code(row), _parent(row)
        if code not in depths:
            # A cycle is the service's to refuse.
            if parent is not None and parent in by_code and parent not in seen:
                depths[code] = depth(by_code[parent], seen | {code}) + 1
            else:
                depths[code] = 0
        return depths[code]

    levels: dict[int, list[PendingRow]] = {}
    for row in rows:
        levels.setdefault(depth(row), []).append(row)
    return [levels[number] for number in sorted(levels)]
