"""The facility target's name claims on create: one row per facility name is ever sent.

The facility service does not refuse a second facility of the same name, so each name is
claimed in our registry table before the bulk create is sent (a KEY claim per normalised
name, owned by the row's client reference; see adapters/key_claims.py): however many
uploads race, one row per name wins. A row whose name another reference owns is not sent:
`existing` when that reference's facility has the row's fields, `conflict` when not (both
with its id), `pending` while it is not searchable yet. A row the service refuses gives its
name back. (A rename claims its new name the same way: facility_changes.py.)
"""

from collections.abc import Mapping, Sequence
from typing import Any

from project_factory.adapters.key_claims import Claim, ClaimRequest, KeyClaims
from project_factory.adapters.targets.digit.facility_changes import Facilities
from project_factory.adapters.targets.digit.facility_fields import (
    canonical_facility,
    name_key,
    whole,
)
from project_factory.adapters.targets.digit.sending import Results
from project_factory.domain.target_calls import PendingRow, TargetResult


class FacilityNameClaims:
    """The names of a batch of facility creates, claimed before the batch is sent."""

    def __init__(self, claims: KeyClaims, claim_kind: str, *, by_reference: Facilities) -> None:
        self._claims = claims
        self._claim_kind = claim_kind
        self._by_reference = by_reference

    def claim(self, tenant_id: str, rows: Sequence[PendingRow]) -> tuple[list[PendingRow], Results]:
        """The rows to send (their names are theirs, or unnamed: the service refuses those),
        and the answers for the others."""
        claimants, followers = _first_by_name(rows)
        requests = [ClaimRequest(key, row.client_ref) for key, row in claimants.items()]
        claimed = self._claims.claim(tenant_id, self._claim_kind, requests)
        lost = _lost_claims(claimants, followers, claimed)
        answered = self._answer_lost(tenant_id, lost)
        return [row for row in rows if row.client_ref not in answered], answered

    def release_refused(self, tenant_id: str, rows: Sequence[PendingRow], sent: Results) -> None:
        """A name whose row the service refused is free again: no facility holds it."""
        for row in rows:
            key = name_key(row.data.get("name"))
            if key and sent[row.client_ref].outcome == "rejected":
                self._claims.release(tenant_id, self._claim_kind, key, row.client_ref)

    def _answer_lost(self, tenant_id: str, lost: Sequence[tuple[PendingRow, Claim]]) -> Results:
        """Answers for the rows whose name another row holds: compared with the owner's
        facility when it is searchable, else pending, unless the stale claim is taken over
        (then the row is sent, so it gets no answer here)."""
        owners = self._by_reference(tenant_id, [claim.owner for _, claim in lost])
        answered: Results = {}
        for row, claim in lost:
            facility = owners.get(claim.owner)
            if facility is not None:
                answered[row.client_ref] = _compared(row, facility)
            elif not self._claims.take_over_stale(
                tenant_id, self._claim_kind, ClaimRequest(claim.key, row.client_ref), claim
            ):
                # Not searchable yet (a bulk create persists later): asked again next attempt.
                answered[row.client_ref] = TargetResult(
                    row.client_ref,
                    "pending",
                    code="KEY_CLAIMED_NOT_WRITTEN",
                    reason=f"name {str(row.data.get('name')).strip()!r} is claimed by row "
                    f"{claim.owner} of another upload, whose facility is not searchable yet",
                )
        return answered


def _first_by_name(
    rows: Sequence[PendingRow],
) -> tuple[dict[str, PendingRow], list[tuple[PendingRow, str]]]:
    """Each name's first row here (the one that claims it), and the later rows of a name
    with that name's key: one claim per name, so a batch never races itself."""
    claimants: dict[str, PendingRow] = {}
    followers: list[tuple[PendingRow, str]] = []
    for row in rows:
        key = name_key(row.data.get("name"))
        if key and key in claimants:
            followers.append((row, key))
        elif key:
            claimants[key] = row
    return claimants, followers


def _lost_claims(
    claimants: Mapping[str, PendingRow],
    followers: Sequence[tuple[PendingRow, str]],
    claimed: Mapping[str, Claim],
) -> list[tuple[PendingRow, Claim]]:
    """The rows whose name is not theirs, each with the claim that holds it: claimants that
    lost first, then the later rows of each name."""
    lost = [(row, claimed[key]) for key, row in claimants.items() if not claimed[key].won]
    for row, key in followers:
        # An earlier row of this batch owns the name, or whoever beat it to the name.
        claim = claimed[key]
        lost.append((row, Claim(key, False, claim.owner) if claim.won else claim))
    return lost


def _compared(row: PendingRow, facility: Mapping[str, Any]) -> TargetResult:
    """existing when the service's facility has the row's fields (as `facility_body` sends
    them; the name matched as claimed, and our usage is not compared), else conflict."""
    held = canonical_facility(facility)
    data = row.data
    wanted = {
        "facilityType": data.get("facilityType"),
        "isPermanent": bool(data.get("isPermanent")),
        "capacity": whole(data.get("capacity")),
        "boundaryCodes": [str(code) for code in data.get("boundaryCodes") or []],
    }
    differing = [name for name, value in wanted.items() if held[name] != value]
    if not differing:
        return TargetResult(row.client_ref, "existing", id=held["id"])
    return TargetResult(
        row.client_ref,
        "conflict",
        id=held["id"],
        code="DUPLICATE_NAME",
        reason=f"a facility named {str(data.get('name')).strip()!r} already exists "
        f"({held['id']}), with a different {', '.join(differing)}",
    )
