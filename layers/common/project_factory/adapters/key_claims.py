"""Business-key claims: one owner per key (a facility name, a phone), taken atomically.

A claim is the registry table's item KEY#{tenant}#{kind}#{key} / KEY: the client reference
that owns the key (`clientReferenceId`), when it was claimed (`claimedAt`, ms) and what the
caller keeps with it (the owner's record id, a username). It is taken by one conditional
PutItem, `attribute_not_exists(pk) OR clientReferenceId = :ref`: the first reference to
write it owns the key, its retries may write it again, every other reference is refused and
told who the owner is (DynamoDB returns the item that failed the condition). Exactly one
row can own a key, however many uploads race for it.

A claim outlives a failed owner: the owner's retries finish the job (the claim lets them
in), and a claim whose owner never made its record is taken over only once it is stale
(`take_over_stale`: older than a day, longer than any create flow keeps retrying a row).
"""

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from project_factory.adapters.aws_errors import outage_is_transient
from project_factory.adapters.dynamo import batch_get, conditional_write, error_code
from project_factory.errors import TransientError

#: PutItems in flight at once (boto3 clients are thread-safe; its pool holds 10 connections)
CLAIM_WORKERS = 8
#: a claim whose owner made no record in this long is abandoned (a day, in seconds)
STALE_AFTER_SECONDS = 24 * 3600

_UNCLAIMED_OR_OURS = "attribute_not_exists(pk) OR clientReferenceId = :ref"
_STILL_THEIRS = "clientReferenceId = :owner AND claimedAt = :claimed"


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


class DynamoKeyClaims:
    """Claims in the registry table (keys pk/sk)."""

    def __init__(
        self,
        table: Any,
        *,
        workers: int = CLAIM_WORKERS,
        stale_after_seconds: float = STALE_AFTER_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._table = table
        # The resource's client converts plain values to DynamoDB's typed form and back.
        self._client = table.meta.client
        self._workers = max(1, workers)
        self._stale_after_ms = int(stale_after_seconds * 1000)
        self._clock = clock

    def claim(
        self, tenant_id: str, kind: str, requests: Sequence[ClaimRequest]
    ) -> dict[str, Claim]:
        keys = [request.key for request in requests]
        if len(set(keys)) != len(keys):
            raise ValueError("each key is claimed by one request per call")
        if len(requests) <= 1 or self._workers == 1:
            claims = [self._claim_one(tenant_id, kind, request) for request in requests]
        else:
            with ThreadPoolExecutor(min(self._workers, len(requests))) as pool:
                futures = [
                    pool.submit(self._claim_one, tenant_id, kind, request) for request in requests
                ]
            # Every PutItem has finished here; the first failure is the call's failure.
            claims = [future.result() for future in futures]
        return {claim.key: claim for claim in claims}

    def release(self, tenant_id: str, kind: str, key: str, client_ref: str) -> None:
        self._delete_claim(key_pk(tenant_id, kind, key), "clientReferenceId", client_ref)

    def release_of_record(self, tenant_id: str, kind: str, key: str, record_id: str) -> None:
        self._delete_claim(key_pk(tenant_id, kind, key), "id", record_id)

    def _delete_claim(self, pk: str, attribute: str, value: str) -> None:
        """The claim deleted while `attribute` still holds `value` (else left alone)."""
        from botocore.exceptions import ClientError

        try:
            with outage_is_transient("registry"):
                self._client.delete_item(
                    TableName=self._table.name,
                    Key={"pk": pk, "sk": "KEY"},
                    ConditionExpression="#owner = :value",
                    ExpressionAttributeNames={"#owner": attribute},
                    ExpressionAttributeValues={":value": value},
                )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    def take_over_stale(
        self, tenant_id: str, kind: str, request: ClaimRequest, held: Claim
    ) -> bool:
        claimed = held.item.get("claimedAt")
        if held.won or claimed is None:
            return False  # a claim written before claims were dated is never presumed dead
        if self._now_ms() - int(claimed) < self._stale_after_ms:
            return False
        return conditional_write(
            lambda: self._client.put_item(
                TableName=self._table.name,
                Item=self._item(tenant_id, kind, request),
                # Only if nobody took or renewed it meanwhile.
                ConditionExpression=_STILL_THEIRS,
                ExpressionAttributeValues={":owner": held.owner, ":claimed": claimed},
            ),
            "registry",
        )

    def _claim_one(
        self, tenant_id: str, kind: str, request: ClaimRequest, *, again: bool = False
    ) -> Claim:
        from botocore.exceptions import ClientError

        try:
            with outage_is_transient("registry"):
                answer = self._client.put_item(
                    TableName=self._table.name,
                    Item=self._item(tenant_id, kind, request),
                    ConditionExpression=_UNCLAIMED_OR_OURS,
                    ExpressionAttributeValues={":ref": request.client_ref},
                    ReturnValues="ALL_OLD",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            owner = self._owner_claim(tenant_id, kind, request.key, exc)
            if owner is None and not again:  # released between the write and the read
                return self._claim_one(tenant_id, kind, request, again=True)
            if owner is None:
                raise TransientError(f"the claim of {request.key!r} keeps changing hands") from exc
            return Claim(request.key, False, str(owner["clientReferenceId"]), owner)
        return Claim(request.key, True, request.client_ref, answer.get("Attributes") or {})

    def _owner_claim(
        self, tenant_id: str, kind: str, key: str, refusal: Exception
    ) -> dict[str, Any] | None:
        """The claim that failed the condition: in the refusal, or read (consistently)."""
        typed = getattr(refusal, "response", {}).get("Item")
        if typed:
            from boto3.dynamodb.types import TypeDeserializer

            deserializer = TypeDeserializer()
            return {name: deserializer.deserialize(value) for name, value in typed.items()}
        with outage_is_transient("registry"):
            found = batch_get(self._table, [{"pk": key_pk(tenant_id, kind, key), "sk": "KEY"}])
        return found[0] if found else None

    def _item(self, tenant_id: str, kind: str, request: ClaimRequest) -> dict[str, Any]:
        return dict(request.attributes) | {
            "pk": key_pk(tenant_id, kind, request.key),
            "sk": "KEY",
            "clientReferenceId": request.client_ref,
            "claimedAt": self._now_ms(),
        }

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)


def key_pk(tenant_id: str, kind: str, key: str) -> str:
    return f"KEY#{tenant_id}#{kind}#{key}"


def dynamo_key_claims(table_name: str, region: str | None = None) -> DynamoKeyClaims:
    """Claims in the named table (the registry table), e.g. `settings.registry_table`."""
    import boto3  # lazily: keeps cold starts of functions that never claim small

    return DynamoKeyClaims(boto3.resource("dynamodb", region_name=region).Table(table_name))
