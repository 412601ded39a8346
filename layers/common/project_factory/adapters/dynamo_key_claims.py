"""Business-key claims in the registry table (adapters/key_claims.py says what a claim is).

A batch's keys are claimed together, not with one PutItem each (a round trip per row was
most of a remote create's time beyond the target's own latency): one consistent
BatchGetItem finds the keys others already own, and one TransactWriteItems of up to 100
conditional Puts claims the rest. A transaction is all or nothing, so when a key was taken
in between, its cancellation names that key's owner, and the others are sent again without
it; after a few such rounds the remaining keys are claimed one by one. On AWS a
transactional write costs two write units an item, against a hundred round trips.
"""

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from project_factory.adapters.aws_errors import outage_is_transient
from project_factory.adapters.dynamo import batch_get, conditional_write, error_code
from project_factory.adapters.key_claims import STALE_AFTER_SECONDS, Claim, ClaimRequest, key_pk
from project_factory.errors import TransientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

#: TransactWriteItems takes at most 100 actions
TRANSACTION_LIMIT = 100
#: transactions cancelled by keys taken meanwhile, sent again without them, before one by one
TRANSACTION_ROUNDS = 3

_UNCLAIMED_OR_OURS = "attribute_not_exists(pk) OR clientReferenceId = :ref"
_STILL_THEIRS = "clientReferenceId = :owner AND claimedAt = :claimed"
#: a cancellation reason that says the store is busy, not that the claim is refused
_BUSY_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded"})


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
        held = self._held(tenant_id, kind, requests)
        claims, pending = _owned_by_others(requests, held)
        for _ in range(TRANSACTION_ROUNDS):
            refused = self._write_together(tenant_id, kind, pending) if pending else None
            if refused is None:
                return claims | {request.key: _won(request, held) for request in pending}
            claims |= refused
            pending = [request for request in pending if request.key not in refused]
        # Other writers keep cancelling the transaction: each key on its own, as a last resort.
        return claims | {
            request.key: self._claim_one(tenant_id, kind, request) for request in pending
        }

    def _held(
        self, tenant_id: str, kind: str, requests: Sequence[ClaimRequest]
    ) -> dict[str, dict[str, Any]]:
        """The claims already made on these keys, by key (read consistently)."""
        pks = {key_pk(tenant_id, kind, request.key): request.key for request in requests}
        with outage_is_transient("registry"):
            found = batch_get(self._table, [{"pk": pk, "sk": "KEY"} for pk in pks])
        return {pks[item["pk"]]: item for item in found}

    def _write_together(
        self, tenant_id: str, kind: str, requests: Sequence[ClaimRequest]
    ) -> dict[str, Claim] | None:
        """None when every claim is written; else the claims refused (maybe none: the
        transaction was cancelled by another one writing the same keys), none written."""
        from botocore.exceptions import ClientError

        try:
            with outage_is_transient("registry"):
                self._client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self._table.name,
                                "Item": self._item(tenant_id, kind, request),
                                "ConditionExpression": _UNCLAIMED_OR_OURS,
                                "ExpressionAttributeValues": {":ref": request.client_ref},
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                            }
                        }
                        for request in requests
                    ]
                )
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            return _refusals(requests, exc)
        return None

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


def _owned_by_others(
    requests: Sequence[ClaimRequest], held: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, Claim], list[ClaimRequest]]:
    """(the refusals of keys others own already, the requests left to write): no write is
    spent on a key whose owner the read names."""
    refused: dict[str, Claim] = {}
    pending: list[ClaimRequest] = []
    for request in requests:
        claim = held.get(request.key)
        if claim is not None and claim.get("clientReferenceId") != request.client_ref:
            refused[request.key] = _refused(request.key, claim)
        else:
            pending.append(request)
    return refused, pending


def _won(request: ClaimRequest, held: Mapping[str, Mapping[str, Any]]) -> Claim:
    """The request's claim, written: with what its earlier claim held, if it had one."""
    return Claim(request.key, True, request.client_ref, held.get(request.key) or {})


def _refused(key: str, owner_claim: Mapping[str, Any]) -> Claim:
    return Claim(key, False, str(owner_claim["clientReferenceId"]), owner_claim)


def _refusals(requests: Sequence[ClaimRequest], cancelled: Exception) -> dict[str, Claim]:
    """The claims a cancelled transaction refused, from its reasons (one per Put, in order).
    A key taken and released again before the refusal was read has no owner to name: it is
    sent again with the others."""
    reasons = getattr(cancelled, "response", {}).get("CancellationReasons") or []
    if len(reasons) != len(requests):
        raise TransientError("a claim transaction was cancelled without its reasons") from cancelled
    refused: dict[str, Claim] = {}
    for request, reason in zip(requests, reasons, strict=True):
        code = reason.get("Code") or "None"
        if code in _BUSY_REASONS:
            raise TransientError(f"registry unavailable: {code}", aws_code=code) from cancelled
        if code == "ConditionalCheckFailed" and reason.get("Item"):
            refused[request.key] = _refused(request.key, _plain_item(reason["Item"]))
        elif code not in {"None", "ConditionalCheckFailed", "TransactionConflict"}:
            raise cancelled  # a malformed claim (a validation error) is a defect, not a race
    return refused


def _plain_item(typed: Mapping[str, Any]) -> dict[str, Any]:
    """An item as DynamoDB's low-level API returns it, in plain values."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in typed.items()}


def dynamo_key_claims(table_name: str, region: str | None = None) -> DynamoKeyClaims:
    """Claims in the named table (the registry table), e.g. `settings.registry_table`."""
    import boto3  # lazily: keeps cold starts of functions that never claim small

    return DynamoKeyClaims(boto3.resource("dynamodb", region_name=region).Table(table_name))
