"""Updates and deactivations of DIGIT facilities: the facility service's `/v1/_update`.

The facility service has two update endpoints (health-services/facility web/controllers/
FacilityApiController.java): `/v1/bulk/_update` takes `Facilities` and only queues them
(202 with ResponseInfo alone; a facility its consumer's validators refuse goes to an error
topic, never back to the caller: consumer/FacilityConsumer.java), and `/v1/_update` takes one
`Facility` and validates it in the call (FacilityService.update: a refusal is an HTTP 400
with DIGIT Errors, an accepted one comes back as 202 {ResponseInfo, Facility}). A refusal
must reach its row, with the service's code: so each change is one `/v1/_update` call.

Each change is sent as the stored facility with the row's changed fields merged in, read by
id just before (`_search` with Facility.id): the update validators refuse a facility whose
`rowVersion` is not the stored one (FRowVersionValidator, MISMATCHED_ROW_VERSION) and every
stored field the request leaves out is overwritten (facility-persister.yml update-facility:
name, usage, storageCapacity, additionalFields, address, isPermanent). A facility that holds
the row's change already (an earlier attempt's lost answer) is answered without a send: with
the read-before-send and the rowVersion check, a change is applied at most once.

Our usage (Active / Inactive) is not the service's `usage`, which is the facility type: it
travels in additionalFields (key `usage`, see facility_fields.py), and a deactivation sets
it to Inactive; a later upload with Active is an update again. A deactivation is not a
delete: `/v1/_delete` marks the facility isDeleted, which search leaves out (a later upload
of its row would find no record) and which an update cannot undo (FIsDeletedValidator).

A renamed facility claims its new name first, as creates claim theirs (adapters/key_claims.py,
KEY#{tenant}#digit-facility#{name}), owned by the facility's own clientReferenceId so that a
create of the same name finds this facility as the owner; the old name is released once the
facility carries the new one.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from project_factory.adapters.http import JsonHttpClient
from project_factory.adapters.key_claims import ClaimRequest, KeyClaims
from project_factory.adapters.targets.digit.facility_fields import (
    facility_record,
    merged_facility,
    name_key,
)
from project_factory.adapters.targets.digit.record_changes import changed, holds, record_not_found
from project_factory.adapters.targets.digit.sending import Results, refused, submit, waiting
from project_factory.domain.target_calls import PendingRow, TargetResult
from project_factory.errors import TransientError, UpstreamError

#: (tenant, ids or client references) -> the service's facilities by them
Facilities = Callable[[str, Sequence[str]], dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class _Rename:
    """A row's new name, claimed: released again if the service refuses the change."""

    new_key: str
    old_key: str
    owner: str  # the facility's clientReferenceId, which owns both names
    fresh: bool  # the claim was taken now (not a retry's)


class FacilityChanges:
    """The change side of the facility target (RecordKeeper), one `/v1/_update` per row."""

    def __init__(
        self,
        client: JsonHttpClient,
        update_path: str,
        *,
        by_id: Facilities,
        by_reference: Facilities,
        claims: KeyClaims | None,
        claim_kind: str,
    ) -> None:
        self._client = client
        self._update_path = update_path
        self._by_id = by_id
        self._by_reference = by_reference
        self._claims = claims
        self._claim_kind = claim_kind

    def apply(self, tenant_id: str, batch: Sequence[PendingRow]) -> Results:
        """Each row's change made, or why not. Never raises TransientError once a row of the
        batch was sent: the rows from the failing one on stay pending (`sent` as it was)."""
        stored = self._by_id(tenant_id, [str(row.record_id) for row in batch])
        results: Results = {}
        to_send: list[tuple[PendingRow, dict[str, Any]]] = []
        for row in batch:
            facility = stored.get(str(row.record_id))
            if facility is None:
                results[row.client_ref] = record_not_found(row, "facility", "the facility service")
            elif holds(facility_record(facility), row):
                results[row.client_ref] = changed(row)
            else:
                to_send.append((row, facility))
        for index, (row, facility) in enumerate(to_send):
            answer = self._change(tenant_id, row, facility)
            results[row.client_ref] = answer
            if answer.outcome == "pending":
                # The service (or the claims store) is failing now: the others wait, unsent.
                return results | waiting([later for later, _ in to_send[index + 1 :]], answer)
        return results

    def _change(self, tenant_id: str, row: PendingRow, facility: dict[str, Any]) -> TargetResult:
        try:
            rename, refusal = self._claim_new_name(tenant_id, row, facility)
        except TransientError as exc:
            # Nothing sent: the claim (or the search for its owner's facility) failed now.
            return TargetResult(row.client_ref, "pending", code=exc.code, reason=exc.message)
        except UpstreamError as exc:
            # Pinned on this row: raised, it would fail the rows of the batch already changed.
            return refused(row, exc)
        if refusal is not None:
            return refusal
        sent = submit([row], lambda rows: self._send(tenant_id, rows[0], facility), "Facility")
        answer = sent[row.client_ref]
        if rename is not None and self._claims is not None:
            self._settle_names(tenant_id, self._claims, rename, answer)
        return answer

    def _send(self, tenant_id: str, row: PendingRow, facility: Mapping[str, Any]) -> Results:
        body = merged_facility(tenant_id, facility, row)
        # FacilityRequest {RequestInfo, Facility} -> 202 FacilityResponse {ResponseInfo,
        # Facility}: validated in the call (health-services/facility FacilityApiController.
        # facilityV1UpdatePost, FacilityService.update).
        self._client.post(self._update_path, {"Facility": body})
        return {row.client_ref: changed(row)}

    # -- names ------------------------------------------------------------------------------

    def _claim_new_name(
        self, tenant_id: str, row: PendingRow, facility: Mapping[str, Any]
    ) -> tuple[_Rename | None, TargetResult | None]:
        """(the rename to settle once answered, or None; a refusal, or None)."""
        claims = self._claims
        if claims is None or "name" not in row.changes:
            return None, None
        new_key, old_key = name_key(row.changes["name"]), name_key(facility.get("name"))
        if not new_key or new_key == old_key:
            return None, None
        owner = str(facility.get("clientReferenceId") or row.client_ref)
        request = ClaimRequest(new_key, owner, {"id": str(row.record_id)})
        claim = claims.claim(tenant_id, self._claim_kind, [request])[new_key]
        if claim.won:
            return _Rename(new_key, old_key, owner, fresh=not claim.item), None
        holder = self._by_reference(tenant_id, [claim.owner]).get(claim.owner)
        if holder is None and claims.take_over_stale(tenant_id, self._claim_kind, request, claim):
            return _Rename(new_key, old_key, owner, fresh=True), None
        name = str(row.changes["name"]).strip()
        if holder is None:
            return None, TargetResult(
                row.client_ref,
                "pending",
                code="KEY_CLAIMED_NOT_WRITTEN",
                reason=f"name {name!r} is claimed by row {claim.owner} of another upload, "
                "whose facility is not searchable yet",
            )
        return None, TargetResult(
            row.client_ref,
            "conflict",
            id=str(holder.get("id")),
            code="DUPLICATE_NAME",
            reason=f"a facility named {name!r} already exists ({holder.get('id')})",
        )

    def _settle_names(
        self, tenant_id: str, claims: KeyClaims, rename: _Rename, answer: TargetResult
    ) -> None:
        """The old name freed once the facility carries the new one; a new name the service
        refused freed again. (Pending: both stay owned by the facility, which a create of
        either name then finds; the retry, or a later upload, settles them.)"""
        try:
            if answer.outcome in ("updated", "deactivated"):
                claims.release(tenant_id, self._claim_kind, rename.old_key, rename.owner)
            elif answer.outcome == "rejected" and rename.fresh:
                claims.release(tenant_id, self._claim_kind, rename.new_key, rename.owner)
        except TransientError:
            # The change is made (or refused) whatever the claims store says now: its
            # answer stands, and a name left claimed still names this facility.
            pass
