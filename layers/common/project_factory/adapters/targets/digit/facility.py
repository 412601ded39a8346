"""DIGIT facilities: the facility service's bulk create, confirmed by clientReferenceId.

Bulk create is asynchronous: rows come back `pending`, and `find` searches them by
clientReferenceId (never by field equality and creation time, what made the original report
created facilities as NOT_CREATED).
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from project_factory.adapters.digit_paths import DEFAULT_PATHS, DigitPaths
from project_factory.adapters.http import JsonHttpClient, QueryValue
from project_factory.adapters.targets.base import PendingRow, TargetResult
from project_factory.adapters.targets.digit.shared import (
    PAGE_SIZE,
    Results,
    chunks,
    in_batches,
    pages,
    submit,
)
from project_factory.errors import UpstreamError

# Pages of the permanent facility listing, which reads the tenant's whole list.
_MAX_PERMANENT_PAGES = 1000


class FacilityTarget:
    """Facilities through the facility service's bulk create, confirmed by search."""

    resource_type = "facility"
    confirms_by_search = True

    def __init__(
        self,
        client: JsonHttpClient,
        batch_size: int,
        paths: DigitPaths = DEFAULT_PATHS,
        *,
        resend_after_seconds: float = 0.0,
    ) -> None:
        self._client = client
        self.resend_after_seconds = resend_after_seconds
        self._paths = paths
        self._batch_size = batch_size

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        return in_batches(rows, self._batch_size, lambda batch: self._create(tenant_id, batch))

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        found: Results = {}
        for chunk in chunks(client_refs):
            for facility in self._search(tenant_id, {"clientReferenceId": chunk}):
                ref = facility.get("clientReferenceId")
                if ref in chunk and facility.get("id"):
                    found[ref] = TargetResult(ref, "created", id=str(facility["id"]))
        return found

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        """Which facility ids exist (rows that carry an id refer to an existing facility)."""
        if key != "id":
            return set()
        existing: set[str] = set()
        for chunk in chunks(values):
            existing |= {
                str(facility.get("id")) for facility in self._search(tenant_id, {"id": chunk})
            }
        return {value for value in values if str(value) in existing}

    def permanent_facilities(self, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's permanent facilities as canonical fields and id.

        Not through `shared.pages`: a tenant may hold more permanent facilities than its cap, and
        this search is meant to list them all. Filtered here too, in case the service
        ignores the criterion.
        """
        facilities: list[dict[str, Any]] = []
        for number in range(_MAX_PERMANENT_PAGES):
            params: dict[str, QueryValue] = {
                "tenantId": tenant_id,
                "limit": PAGE_SIZE,
                "offset": number * PAGE_SIZE,
            }
            answer = self._client.post(
                self._paths.facility_search, {"Facility": {"isPermanent": True}}, params
            )
            page = answer.get("Facilities") or []
            facilities += [_canonical_facility(item) for item in page if item.get("isPermanent")]
            if len(page) < PAGE_SIZE:
                return facilities
        raise UpstreamError(
            f"the facility service listed more than {_MAX_PERMANENT_PAGES * PAGE_SIZE} "
            "permanent facilities"
        )

    def _create(self, tenant_id: str, batch: Sequence[PendingRow]) -> Results:
        results = self.find(tenant_id, [row.client_ref for row in batch])
        unsent = [row for row in batch if row.client_ref not in results]
        if unsent:
            results |= submit(unsent, lambda rows: self._send(tenant_id, rows), "Facilities")
        return results

    def _send(self, tenant_id: str, rows: Sequence[PendingRow]) -> Results:
        facilities = [_facility(tenant_id, row) for row in rows]
        self._client.post(self._paths.facility_bulk_create, {"Facilities": facilities})
        # Accepted, not created: the service persists bulk creates later; Confirm finds them.
        return {
            row.client_ref: TargetResult(
                row.client_ref,
                "pending",
                code="AWAITING_CONFIRMATION",
                reason="accepted by the facility service, not yet searchable",
                sent=True,
            )
            for row in rows
        }

    def _search(self, tenant_id: str, criteria: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        return pages(
            lambda params: self._client.post(
                self._paths.facility_search,
                {"Facility": dict(criteria)},
                {"tenantId": tenant_id} | params,
            ).get("Facilities")
        )


# -- payloads and answers -------------------------------------------------------------------


def _facility(tenant_id: str, row: PendingRow) -> dict[str, Any]:
    data = row.data
    codes = [str(code) for code in data.get("boundaryCodes") or []]
    facility: dict[str, Any] = {
        "tenantId": tenant_id,
        "clientReferenceId": row.client_ref,
        "name": data.get("name"),
        "isPermanent": bool(data.get("isPermanent")),
        # DIGIT's "usage" is the facility type; our "usage" (Active/Inactive) stays with us.
        "usage": data.get("facilityType"),
        "storageCapacity": _whole(data.get("capacity")),
        # The service keeps one locality per facility; every code stays in additionalFields.
        "additionalFields": {
            "schema": "Facility",
            "version": 1,
            "fields": [{"key": "boundaryCodes", "value": ",".join(codes)}],
        },
    }
    if codes:
        facility["address"] = {"tenantId": tenant_id, "locality": {"code": codes[0]}}
    return facility


def _canonical_facility(facility: Mapping[str, Any]) -> dict[str, Any]:
    """A facility of the service as the canonical fields `_facility` sent (usage stays ours)."""
    extra = (facility.get("additionalFields") or {}).get("fields") or []
    listed = next((f.get("value") for f in extra if f.get("key") == "boundaryCodes"), None)
    locality = ((facility.get("address") or {}).get("locality") or {}).get("code")
    codes = [code for code in str(listed or locality or "").split(",") if code]
    return {
        "id": str(facility.get("id")),
        "name": facility.get("name"),
        "facilityType": facility.get("usage"),
        "isPermanent": bool(facility.get("isPermanent")),
        "capacity": facility.get("storageCapacity"),
        "boundaryCodes": codes,
    }


def _whole(number: Any) -> Any:
    """storageCapacity is an Integer in DIGIT; a fractional capacity is left for it to refuse."""
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number
