"""Business-key claims in the registry table (adapters/key_claims.py says what a claim is).

A batch's keys are claimed together, not with one PutItem each (a round trip per row was
most of a remote create's time beyond the target's own latency): one TransactWriteItems of
up to 100 Puts, each only if nobody holds its key (`attribute_not_exists(pk)`), with no read
before it. A first attempt, the usual case, is that one transaction. A transaction is all or
nothing: when it is cancelled, its reasons name each held key's claim (ALL_OLD). A key
another reference holds is refused, told its owner; a key the requester holds already (its
retry, or a twin invocation of the same row) is sent again under the condition that it is
still the requester's (`clientReferenceId = :ref`), which renews its date and keeps what the
earlier claim held; the free keys are sent again with them. After a few such rounds the
remaining keys are claimed one by one. On AWS a transactional write costs two write units
an item, against a hundred round trips.

Each Put's condition is one of two texts, and a free key's names no value: an emulator
parses it once per transaction rather than once per item (moto's parse of the combined
condition with a value per item was a third of a claim's cost on the local stack).
"""

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from project_factory.adapters.aws_errors import outage_is_transient
from project_factory.adapters.dynamo import batch_get, conditional_write, error_code
from project_factory.adapters.key_claims import STALE_AFTER_SECONDS, Claim, ClaimRequest, key_pk
from project_factory.errors import TransientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_dynamodb.type_defs import PutTypeDef

#: TransactWriteItems takes at most 100 actions
TRANSACTION_LIMIT = 100
#: transactions before the keys left are claimed one by one: the first finds the keys held
#: (its cancellation names their claims), the next send the rest, in case of keys taken meanwhile
TRANSACTION_ROUNDS = 4

_UNCLAIMED_OR_OURS = "attribute_not_exists(pk) OR clientReferenceId = :ref"
# A transaction's Put says which half of it the key is expected to meet.
_UNCLAIMED = "attribute_not_exists(pk)"
_OURS = "clientReferenceId = :ref"
_STILL_THEIRS = "clientReferenceId = :owner AND claimedAt = :claimed"
#: a cancellation reason that says the store is busy, not that the claim is refused
_BUSY_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded"})
#: the reasons of a race for the keys (or of no fault of the Put's own)
_RACES = frozenset({"None", "ConditionalCheckFailed", "TransactionConflict"})


class DynamoKeyClaims:
    """Claims in the registry table (keys pk/sk)."""

    def __init__(
        self,
        table: "Table",
        *,
        stale_after_seconds: float = STALE_AFTER_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._table = table
        # The resource's client converts plain values to DynamoDB's typed form and back.
        self._client = table.meta.client
        self._stale_after_ms = int(stale_after_seconds * 1000)
        self._clock = clock

    def claim(
        self, tenant_id: str, kind: str, requests: Sequence[ClaimRequest]
    ) -> dict[str, Claim]:
        keys = [request.key for request in requests]
        if len(set(keys)) != len(keys):
            raise ValueError("each key is claimed by one request per call")
        if len(requests) == 1:
            return {keys[0]: self._claim_one(tenant_id, kind, requests[0])}
        claims: dict[str, Claim] = {}
        for start in range(0, len(requests), TRANSACTION_LIMIT):
            group = requests[start : start + TRANSACTION_LIMIT]
            claims |= self._claim_together(tenant_id, kind, group)
        return claims

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

    def _claim_together(
        self, tenant_id: str, kind: str, requests: Sequence[ClaimRequest]
    ) -> dict[str, Claim]:
        claims: dict[str, Claim] = {}
        # The keys found to be the requester's own already, with what each claim held.
        ours: dict[str, Mapping[str, Any]] = {}
        pending = list(requests)
        for _ in range(TRANSACTION_ROUNDS):
            cancelled = self._write_together(tenant_id, kind, pending, ours) if pending else None
            if cancelled is None:
                return claims | {request.key: _won(request, ours) for request in pending}
            claims |= cancelled.refused
            ours = {key: item for key, item in ours.items() if key not in cancelled.gone}
            ours |= cancelled.ours
            pending = [request for request in pending if request.key not in cancelled.refused]
        # Other writers keep cancelling the transaction: each key on its own, as a last resort.
        return claims | {
            request.key: self._claim_one(tenant_id, kind, request) for request in pending
        }

    def _write_together(
        self,
        tenant_id: str,
        kind: str,
        requests: Sequence[ClaimRequest],
        ours: Mapping[str, Mapping[str, Any]],
    ) -> "_Cancellation | None":
        """None when every claim is written; else what the cancelled transaction found (none
        written). A key in `ours` is expected to be the requester's, any other to be free."""
        from botocore.exceptions import ClientError

        try:
            with outage_is_transient("registry"):
                self._client.transact_write_items(
                    TransactItems=[
                        {"Put": self._put(tenant_id, kind, request, ours=request.key in ours)}
                        for request in requests
                    ]
                )
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            return _cancellation(requests, exc)
        return None

    def _put(self, tenant_id: str, kind: str, request: ClaimRequest, *, ours: bool) -> "PutTypeDef":
        """A transaction's Put of one claim: new, or this reference's own again."""
        put: PutTypeDef = {
            "TableName": self._table.name,
            "Item": self._item(tenant_id, kind, request),
            "ConditionExpression": _OURS if ours else _UNCLAIMED,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if ours:
            put["ExpressionAttributeValues"] = {":ref": request.client_ref}
        return put

    def _owner_claim(
        self, tenant_id: str, kind: str, key: str, refusal: Exception
    ) -> dict[str, Any] | None:
        """The claim that failed the condition: in the refusal, or read (consistently)."""
        typed = getattr(refusal, "response", {}).get("Item")
        if typed:
            return _plain_item(typed)
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


@dataclass(frozen=True)
class _Cancellation:
    """What a cancelled claim transaction found, key by key, from its reasons."""

    #: keys other references hold: refused, each with its owner's claim
    refused: dict[str, Claim] = field(default_factory=dict)
    #: keys the requester holds already, with what each claim holds (sent again as its own)
    ours: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: keys whose condition failed with no claim there (held, then released): free again
    gone: set[str] = field(default_factory=set)

    def note(self, request: ClaimRequest, typed_claim: Mapping[str, Any] | None) -> None:
        """The claim that failed the request's condition (None: there is none now)."""
        if not typed_claim:
            self.gone.add(request.key)
            return
        claim = _plain_item(typed_claim)
        if claim.get("clientReferenceId") == request.client_ref:
            self.ours[request.key] = claim
        else:
            self.refused[request.key] = _refused(request.key, claim)


def _won(request: ClaimRequest, ours: Mapping[str, Mapping[str, Any]]) -> Claim:
    """The request's claim, written: with what its earlier claim held, if it had one."""
    return Claim(request.key, True, request.client_ref, ours.get(request.key) or {})


def _refused(key: str, owner_claim: Mapping[str, Any]) -> Claim:
    return Claim(key, False, str(owner_claim["clientReferenceId"]), owner_claim)


def _cancellation(requests: Sequence[ClaimRequest], cancelled: Exception) -> _Cancellation:
    """What a cancelled transaction found, from its reasons (one per Put, in order). The
    keys it does not name (no reason, or a conflict with another transaction) are sent
    again as they were."""
    reasons = getattr(cancelled, "response", {}).get("CancellationReasons") or []
    if len(reasons) != len(requests):
        raise TransientError("a claim transaction was cancelled without its reasons") from cancelled
    found = _Cancellation()
    for request, reason in zip(requests, reasons, strict=True):
        code = reason.get("Code") or "None"
        if code in _BUSY_REASONS:
            raise TransientError(f"registry unavailable: {code}", aws_code=code) from cancelled
        if code not in _RACES:
            raise cancelled  # a malformed claim (a validation error) is a defect, not a race
        if code == "ConditionalCheckFailed":
            found.note(request, reason.get("Item"))
    return found


def _plain_item(typed: Mapping[str, Any]) -> dict[str, Any]:
    """An item as DynamoDB's low-level API returns it, in plain values."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in typed.items()}


def dynamo_key_claims(table_name: str, region: str | None = None) -> DynamoKeyClaims:
    """Claims in the named table (the registry table), e.g. `settings.registry_table`."""
    import boto3  # lazily: keeps cold starts of functions that never claim small

    return DynamoKeyClaims(boto3.resource("dynamodb", region_name=region).Table(table_name))
