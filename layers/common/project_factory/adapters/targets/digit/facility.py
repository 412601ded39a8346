"""DIGIT facilities: the facility service's bulk create, confirmed by clientReferenceId.

Bulk create is asynchronous: rows come back `pending`, and `find` searches them by
clientReferenceId (never by field equality and creation time, what made the original report
created facilities as NOT_CREATED).

The facility service does not refuse a second facility of the same name, so, given a claims
store, each name is claimed in our registry table before the bulk create is sent: one row
per name is ever sent, however many uploads race (see facility_name_claims.py).

The target keeps records (base.RecordKeeper): `records` reads facilities by id, and update
and deactivate rows, routed by their operation, go one by one to the service's `/v1/_update`
with the stored facility merged with their changes (see facility_changes.py for why that
endpoint, and facility_fields.py for the fields both ways).
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from project_factory.adapters.digit_paths import DEFAULT_PATHS, DigitPaths
from project_factory.adapters.http import JsonHttpClient, QueryValue
from project_factory.adapters.key_claims import KeyClaims
from project_factory.adapters.targets.digit.facility_changes import FacilityChanges
from project_factory.adapters.targets.digit.facility_fields import (
    canonical_facility,
    facility_body,
    facility_record,
)
from project_factory.adapters.targets.digit.facility_name_claims import FacilityNameClaims
from project_factory.adapters.targets.digit.record_changes import beside, made
from project_factory.adapters.targets.digit.search_paging import PAGE_SIZE, chunks, pages
from project_factory.adapters.targets.digit.sending import Results, routed, submit
from project_factory.domain.target_calls import PendingRow, TargetResult
from project_factory.errors import UpstreamError

# Pages of the permanent facility listing, which reads the tenant's whole list.
_MAX_PERMANENT_PAGES = 1000
#: The claims' kind: KEY#{tenant}#digit-facility#{name}, apart from the built-in registry's.
CLAIM_KIND = "digit-facility"


class FacilityTarget:
    """Facilities through the facility service's bulk create, confirmed by search."""

    resource_type = "facility"
    confirms_by_search = True
    #: What an update may change (RecordKeeper): every field a create sends but the id (the
    #: clientReferenceId), our usage included (a deactivation, or Active again).
    updatable_fields = ("name", "facilityType", "isPermanent", "capacity", "boundaryCodes", "usage")

    def __init__(
        self,
        client: JsonHttpClient,
        batch_size: int,
        paths: DigitPaths = DEFAULT_PATHS,
        *,
        resend_after_seconds: float = 0.0,
        claims: KeyClaims | None = None,
    ) -> None:
        self._client = client
        # Without a claims store, names are not claimed (two uploads may make two facilities).
        self._names = (
            FacilityNameClaims(claims, CLAIM_KIND, by_reference=self._by_reference)
            if claims is not None
            else None
        )
        self.resend_after_seconds = resend_after_seconds
        self._paths = paths
        self._batch_size = batch_size
        self._changes = FacilityChanges(
            client,
            # health-services/facility FacilityApiController: /v1/_update beside /v1/_search.
            beside(paths.facility_search, "_update"),
            by_id=self._by_id,
            by_reference=self._by_reference,
            claims=claims,
            claim_kind=CLAIM_KIND,
        )

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        """Creates in bulk; updates and deactivations (by `row.operation`) one by one."""
        return routed(
            rows,
            self._batch_size,
            lambda batch: self._create(tenant_id, batch),
            lambda batch: self._changes.apply(tenant_id, batch),
        )

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        return {
            ref: TargetResult(ref, "created", id=str(facility["id"]))
            for ref, facility in self._by_reference(tenant_id, client_refs).items()
        }

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        """Which facility ids exist (rows that carry an id refer to an existing facility)."""
        if key != "id":
            return set()
        existing = self._by_id(tenant_id, [str(value) for value in values])
        return {value for value in values if str(value) in existing}

    def records(self, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The facilities among these ids (RecordKeeper): canonical fields as a create
        sends them, our usage, and the rowVersion an update carries."""
        return {
            facility_id: facility_record(facility)
            for facility_id, facility in self._by_id(tenant_id, ids).items()
        }

    def changes_made(self, tenant_id: str, rows: Sequence[PendingRow]) -> dict[str, TargetResult]:
        """The change rows whose facility holds their change already (RecordKeeper): read
        back by id, every changed field compared with the wanted value."""
        return made(rows, self.records(tenant_id, [str(row.record_id) for row in rows]))

    def permanent_facilities(self, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's permanent facilities as canonical fields and id.

        Not through `search_paging.pages`: a tenant may hold more permanent facilities than
        its cap, and this search is meant to list them all. Filtered here too, in case the
        service ignores the criterion.
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
            facilities += [canonical_facility(item) for item in page if item.get("isPermanent")]
            if len(page) < PAGE_SIZE:
                return facilities
        raise UpstreamError(
            f"the facility service listed more than {_MAX_PERMANENT_PAGES * PAGE_SIZE} "
            "permanent facilities"
        )

    def _create(self, tenant_id: str, batch: Sequence[PendingRow]) -> Results:
        # No search first: the flow has confirmed every row an earlier attempt sent
        # (flows/create_loop.py) before it hands it here again, so a first attempt costs the
        # bulk create and its confirming search, nothing more.
        results: Results = {}
        unsent = list(batch)
        if unsent and self._names is not None:
            unsent, answered = self._names.claim(tenant_id, unsent)
            results |= answered
        if unsent:
            sent = submit(unsent, lambda rows: self._send(tenant_id, rows), "Facilities")
            if self._names is not None:
                self._names.release_refused(tenant_id, unsent, sent)
            results |= sent
        return results

    def _send(self, tenant_id: str, rows: Sequence[PendingRow]) -> Results:
        facilities = [facility_body(tenant_id, row) for row in rows]
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

    def _by_id(self, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The service's facilities of these ids (Facility.id, a list, in the search body)."""
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(ids):
            for facility in self._search(tenant_id, {"id": chunk}):
                if str(facility.get("id")) in chunk:
                    found[str(facility["id"])] = facility
        return found

    def _by_reference(
        self, tenant_id: str, client_refs: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """The service's facilities of these client references (those that have an id)."""
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(client_refs):
            for facility in self._search(tenant_id, {"clientReferenceId": chunk}):
                ref = facility.get("clientReferenceId")
                if ref in chunk and facility.get("id"):
                    found[ref] = facility
        return found

    def _search(self, tenant_id: str, criteria: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        return pages(
            lambda params: self._client.post(
                self._paths.facility_search,
                {"Facility": dict(criteria)},
                {"tenantId": tenant_id} | params,
            ).get("Facilities")
        )
