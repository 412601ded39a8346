"""Business-key claims: one owner per key (a facility name, a phone), taken atomically.

A claim is the registry table's item KEY#{tenant}#{kind}#{key} / KEY: the client reference
that owns the key (`clientReferenceId`), when it was claimed (`claimedAt`, ms) and what the
caller keeps with it (the owner's record id, a username). It is written under the condition
`attribute_not_exists(pk) OR clientReferenceId = :ref` (a batch, after a consistent read of
its keys, under whichever half the read found): the first reference to write it owns the
key, its retries may write it again, every other reference is refused and told who the
owner is (DynamoDB returns the item that failed the condition). Exactly one row can own a
key, however many uploads race for it.

A claim outlives a failed owner: the owner's retries finish the job (the claim lets them
in), and a claim whose owner never made its record is taken over only once it is stale
(`take_over_stale`: older than a day, longer than any create flow keeps retrying a row).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

#: a claim whose owner made no record in this long is abandoned (a day, in seconds)
STALE_AFTER_SECONDS = 24 * 3600


@dataclass(frozen=True)
class ClaimRequest:
    key: str  # the business key, already normalised (case, spacing)
    client_ref: str  # the row that wants to own it
    #: kept with the claim, e.g. the record's id and username
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    """The answer for one key."""

    key: str
    won: bool  # the requesting reference owns the key (newly, or again on a retry)
    owner: str  # the client reference that owns it
    #: won: what this reference's earlier claim held ({} when new), e.g. a retry's username;
    #: lost: the owner's claim (its `id` when the owner keeps one there)
    item: Mapping[str, Any] = field(default_factory=dict)

    @property
    def owner_id(self) -> str | None:
        value = self.item.get("id")
        return str(value) if value else None


class KeyClaims(Protocol):
    def claim(
        self, tenant_id: str, kind: str, requests: Sequence[ClaimRequest]
    ) -> dict[str, Claim]:
        """One claim per request, by key; keys must be distinct. Raises TransientError when
        the store is throttled or unavailable (claims already written stay, owned)."""
        ...

    def release(self, tenant_id: str, kind: str, key: str, client_ref: str) -> None:
        """Gives up a key this reference owns (its row was refused); others' claims stay."""
        ...

    def release_of_record(self, tenant_id: str, kind: str, key: str, record_id: str) -> None:
        """Frees a key while it names this record (the record took another key)."""
        ...

    def take_over_stale(
        self, tenant_id: str, kind: str, request: ClaimRequest, held: Claim
    ) -> bool:
        """Takes a key from an owner that never made its record, once its claim is stale.
        Call only after looking for the owner's record and finding none."""
        ...


def key_pk(tenant_id: str, kind: str, key: str) -> str:
    return f"KEY#{tenant_id}#{kind}#{key}"
