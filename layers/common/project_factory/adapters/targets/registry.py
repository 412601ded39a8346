"""The built-in registry: the default target, one DynamoDB table for facilities, users, boundaries.

Items (single-table design, keys `pk`/`sk`):
  ENTITY#{tenant}#{type} / {id}            the record: canonical fields, clientReferenceId,
                                           createdTime
  REF#{tenant}#{type}#{clientRef} / REF    client reference claim: id + output columns
  KEY#{tenant}#{type}#{businessKey} / KEY  business-key claim (facility name, phone, boundary code)
  SEQ#{tenant}#user / SEQ                  username sequence (atomic ADD)
  FAULT#{clientRef} / FAULT                marker of an injected transient failure (demo only)

A row is created by one transaction putting entity + REF + KEY, each only if absent, so a
retried create can never make a second record, and `find` / `registered` are BatchGetItems
on claims: no Scan, no Query over a tenant's entities.
"""

import hashlib
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from project_factory.adapters.targets.base import PendingRow, TargetResult
from project_factory.errors import TransientError
from project_factory.passwords import hash_password
from project_factory.settings import Settings

_TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)
# Reasons of a cancelled transaction that say "try again later", not "this row is wrong".
_TRANSIENT_CANCEL_REASONS = frozenset(
    {"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
)
_ABSENT = "attribute_not_exists(pk)"
_BATCH_GET_LIMIT = 100
_UNPROCESSED_ROUNDS = 6


@dataclass(frozen=True)
class _Kind:
    """What differs between resource types."""

    key_field: str
    fields: tuple[str, ...]
    new_id: Callable[[Mapping[str, Any]], str]
    normalise_key: Callable[[str], str]
    duplicate_reason: str  # formatted with the row's business key as `value`
    required: tuple[str, ...] = ()


_KINDS: dict[str, _Kind] = {
    "facility": _Kind(
        key_field="name",
        fields=("name", "facilityType", "isPermanent", "capacity", "boundaryCodes", "usage"),
        new_id=lambda _data: "F-" + uuid.uuid4().hex[:12].upper(),
        # Names differing only by case or spacing are the same facility to a person.
        normalise_key=lambda value: value.strip().lower(),
        duplicate_reason="a facility named {value!r} already exists",
        required=("name",),
    ),
    "user": _Kind(
        key_field="phone",
        fields=("name", "phone", "roles", "employmentType", "boundaryCodes", "usage"),
        new_id=lambda _data: str(uuid.uuid4()),
        normalise_key=str.strip,
        duplicate_reason="phone {value} is already registered",
        required=("phone", "password"),
    ),
    "boundary": _Kind(
        key_field="code",
        fields=("code", "name", "boundaryType", "parentCode"),
        new_id=lambda data: str(data["code"]).strip(),
        normalise_key=str.strip,
        duplicate_reason="boundary code {value!r} already exists",
        required=("code",),
    ),
}


class RegistryTarget:
    """Creates rows of one resource type in the registry table, synchronously."""

    confirms_by_search = False

    def __init__(self, resource_type: str, table: Any, *, failure_rate: float = 0.0) -> None:
        if resource_type not in _KINDS:
            raise ValueError(f"the registry holds {sorted(_KINDS)}, not {resource_type!r}")
        # Imported here, not at module level: boto3 is slow to import and only callers
        # that actually talk to the registry should pay for it.
        from boto3.dynamodb.types import TypeDeserializer

        self.resource_type = resource_type
        self._kind = _KINDS[resource_type]
        self._table = table
        # The resource's own client: boto3 converts plain values (str, Decimal, list, dict)
        # to and from DynamoDB's typed form on its calls, as it does for the table's.
        self._client = table.meta.client
        self._failure_rate = failure_rate
        self._deserialize = TypeDeserializer().deserialize

    # -- Target ---------------------------------------------------------------------------

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        """One transaction per row; rows created by an earlier attempt answer their record."""
        existing = self.find(tenant_id, [row.client_ref for row in rows])
        results: list[TargetResult | None] = []
        to_create: list[tuple[int, PendingRow]] = []
        for row in rows:
            result = existing.get(row.client_ref) or self._precheck(row)
            if result is None:
                to_create.append((len(results), row))
            results.append(result)

        usernames = self._allocate_usernames(tenant_id, len(to_create))
        for (index, row), username in zip(to_create, usernames, strict=True):
            results[index] = self._create_one(tenant_id, row, username)
        return [result for result in results if result is not None]

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        """Created rows among these client references, read from their REF claims."""
        pk_to_ref = {self._ref_pk(tenant_id, ref): ref for ref in client_refs}
        found = {}
        for item in self._batch_get([(pk, "REF") for pk in pk_to_ref]):
            ref = pk_to_ref[item["pk"]]
            found[ref] = _created(ref, item)
        return found

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        """The values (as given) whose business key is already claimed, e.g. phones."""
        if key != self._kind.key_field:
            return set()
        pk_to_values: dict[str, list[str]] = {}
        for value in values:
            normalised = self._kind.normalise_key(str(value))
            if normalised:
                pk_to_values.setdefault(self._key_pk(tenant_id, normalised), []).append(value)
        claimed = self._batch_get([(pk, "KEY") for pk in pk_to_values])
        return {value for item in claimed for value in pk_to_values[item["pk"]]}

    def permanent_facilities(self, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's permanent facilities: canonical fields and id (a Query, not a Scan)."""
        if self.resource_type != "facility":
            raise ValueError(f"the registry keeps facilities, not {self.resource_type!r}, here")
        arguments: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "FilterExpression": "isPermanent = :yes",
            "ExpressionAttributeValues": {":pk": f"ENTITY#{tenant_id}#facility", ":yes": True},
        }
        facilities: list[dict[str, Any]] = []
        while True:
            with _dynamo_outage_is_transient():
                page = self._table.query(**arguments)
            facilities += [
                {"id": item["id"]}
                | {name: _plain(item[name]) for name in self._kind.fields if name in item}
                for item in page.get("Items", [])
            ]
            if "LastEvaluatedKey" not in page:
                return facilities
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- create steps ---------------------------------------------------------------------

    def _precheck(self, row: PendingRow) -> TargetResult | None:
        """A result for a row that must not reach the transaction, or None."""
        missing = [
            name for name in self._kind.required if not str(row.data.get(name) or "").strip()
        ]
        if missing:
            return TargetResult(
                row.client_ref,
                "rejected",
                code=f"MISSING_{missing[0].upper()}",
                reason=f"{missing[0]} is required",
            )
        if self._inject_fault(row.client_ref):
            return TargetResult(
                row.client_ref,
                "pending",
                code="TRANSIENT_FAULT",
                reason="injected transient failure",
            )
        return None

    def _inject_fault(self, client_ref: str) -> bool:
        """Fail a chosen row's first attempt; the marker makes every later attempt go through."""
        if self._failure_rate <= 0 or _stable_fraction(client_ref) >= self._failure_rate:
            return False
        from botocore.exceptions import ClientError

        marker = {"pk": f"FAULT#{client_ref}", "sk": "FAULT", "createdTime": _now_ms()}
        try:
            with _dynamo_outage_is_transient():
                self._table.put_item(Item=marker, ConditionExpression=_ABSENT)
        except ClientError as exc:
            if _error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _allocate_usernames(self, tenant_id: str, count: int) -> list[str | None]:
        if self.resource_type != "user" or count == 0:
            return [None] * count
        # One ADD reserves a block for the whole batch; numbers of rows that end up rejected
        # are simply skipped, which is fine for usernames.
        with _dynamo_outage_is_transient():
            response = self._table.update_item(
                Key={"pk": f"SEQ#{tenant_id}#user", "sk": "SEQ"},
                UpdateExpression="ADD lastValue :count",
                ExpressionAttributeValues={":count": count},
                ReturnValues="UPDATED_NEW",
            )
        last = int(response["Attributes"]["lastValue"])
        prefix = _tenant_short(tenant_id)
        return [f"USR-{prefix}-{number:06d}" for number in range(last - count + 1, last + 1)]

    def _create_one(self, tenant_id: str, row: PendingRow, username: str | None) -> TargetResult:
        kind = self._kind
        key_value = str(row.data[kind.key_field])
        entity_id = kind.new_id(row.data)
        now = _now_ms()
        entity: dict[str, Any] = {
            name: _to_dynamo(row.data[name]) for name in kind.fields if name in row.data
        }
        entity |= {
            "pk": f"ENTITY#{tenant_id}#{self.resource_type}",
            "sk": entity_id,
            "id": entity_id,
            "tenantId": tenant_id,
            "clientReferenceId": row.client_ref,
            "createdTime": now,
        }
        stored_output: dict[str, str] = {}
        returned_output: dict[str, str] = {}
        if username is not None:
            entity["username"] = username
            entity["passwordHash"] = hash_password(str(row.data["password"]))
            stored_output = {"username": username}
            # The password goes back to the flow once, here; the table never holds it.
            returned_output = {"username": username, "password": str(row.data["password"])}
        ref_claim = {
            "pk": self._ref_pk(tenant_id, row.client_ref),
            "sk": "REF",
            "id": entity_id,
            "output": stored_output,
            "createdTime": now,
        }
        key_claim = {
            "pk": self._key_pk(tenant_id, kind.normalise_key(key_value)),
            "sk": "KEY",
            "id": entity_id,
            "clientReferenceId": row.client_ref,
        }
        reasons = self._transact([entity, ref_claim, key_claim])
        if reasons is None:
            return TargetResult(row.client_ref, "created", id=entity_id, output=returned_output)
        return self._explain_cancel(tenant_id, row, key_value, reasons)

    def _explain_cancel(
        self, tenant_id: str, row: PendingRow, key_value: str, reasons: list[dict[str, Any]]
    ) -> TargetResult:
        entity_code, ref_code, key_code = (reason.get("Code") for reason in reasons)
        if ref_code == "ConditionalCheckFailed":
            # Created by a concurrent or earlier attempt: answer that record.
            old = reasons[1].get("Item")
            if old:
                return _created(row.client_ref, self._from_wire(old))
            return self.find(tenant_id, [row.client_ref])[row.client_ref]
        if key_code == "ConditionalCheckFailed":
            field = self._kind.key_field
            return TargetResult(
                row.client_ref,
                "rejected",
                code=f"DUPLICATE_{field.upper()}",
                reason=self._kind.duplicate_reason.format(value=key_value),
            )
        # A generated id collided or another transaction held an item: a new attempt
        # (with a new id) is worth it.
        return TargetResult(
            row.client_ref,
            "pending",
            code="REGISTRY_CONFLICT",
            reason=f"registry transaction cancelled ({entity_code}, {ref_code}, {key_code})",
        )

    # -- DynamoDB calls -------------------------------------------------------------------

    def _transact(self, items: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """Put all items if none exists; the cancellation reasons when the transaction fails."""
        from botocore.exceptions import ClientError

        puts = [
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": item,
                    "ConditionExpression": _ABSENT,
                    # Lets a REF conflict answer the existing record without another read.
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
            for item in items
        ]
        try:
            with _dynamo_outage_is_transient():
                self._client.transact_write_items(TransactItems=puts)
        except ClientError as exc:
            if _error_code(exc) != "TransactionCanceledException":
                raise
            reasons: list[dict[str, Any]] = exc.response.get("CancellationReasons", [])
            codes = [str(reason.get("Code")) for reason in reasons]
            # Without one reason per item the outcome cannot be told; trying again can.
            if set(codes) & _TRANSIENT_CANCEL_REASONS or len(reasons) != len(items):
                raise TransientError(
                    f"registry transaction cancelled: {', '.join(codes) or 'no reason'}",
                    operation="TransactWriteItems",
                ) from exc
            return reasons
        return None

    def _batch_get(self, keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """Items that exist for these (pk, sk) keys, read consistently, in any order."""
        unique = list(dict.fromkeys(keys))  # BatchGetItem refuses duplicate keys
        found: list[dict[str, Any]] = []
        for start in range(0, len(unique), _BATCH_GET_LIMIT):
            chunk = unique[start : start + _BATCH_GET_LIMIT]
            request: dict[str, Any] = {
                self._table.name: {
                    "Keys": [{"pk": pk, "sk": sk} for pk, sk in chunk],
                    "ConsistentRead": True,
                }
            }
            for round_number in range(_UNPROCESSED_ROUNDS):
                if round_number:
                    time.sleep(0.05 * 2**round_number)
                with _dynamo_outage_is_transient():
                    response = self._client.batch_get_item(RequestItems=request)
                found.extend(response.get("Responses", {}).get(self._table.name, []))
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise TransientError("registry reads stayed unprocessed", operation="BatchGetItem")
        return found

    def _from_wire(self, item: Mapping[str, Any]) -> dict[str, Any]:
        # Items inside cancellation reasons are not converted by boto3.
        return {name: self._deserialize(value) for name, value in item.items()}

    def _ref_pk(self, tenant_id: str, client_ref: str) -> str:
        return f"REF#{tenant_id}#{self.resource_type}#{client_ref}"

    def _key_pk(self, tenant_id: str, key: str) -> str:
        return f"KEY#{tenant_id}#{self.resource_type}#{key}"


def registry_target(resource_type: str, settings: Settings, table: Any = None) -> RegistryTarget:
    """The registry target for one resource type; the table is built from settings unless given."""
    if table is None:
        import boto3  # lazily: keeps cold starts of functions that never create rows small

        table = boto3.resource("dynamodb", region_name=settings.region).Table(
            settings.registry_table
        )
    return RegistryTarget(
        resource_type, table, failure_rate=settings.registry_transient_failure_rate
    )


# -- helpers ------------------------------------------------------------------------------


@contextmanager
def _dynamo_outage_is_transient() -> Iterator[None]:
    """Throttling, 5xx and network failures become TransientError, for the Task retry."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    try:
        yield
    except ClientError as exc:
        code = _error_code(exc)
        if code in _TRANSIENT_CODES:
            raise TransientError(f"registry unavailable: {code}", aws_code=code) from exc
        raise
    except (
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    ) as exc:
        raise TransientError(f"registry unreachable: {exc}") from exc


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _created(client_ref: str, ref_claim: Mapping[str, Any]) -> TargetResult:
    output = {name: str(value) for name, value in (ref_claim.get("output") or {}).items()}
    return TargetResult(client_ref, "created", id=str(ref_claim["id"]), output=output)


def _stable_fraction(client_ref: str) -> float:
    """A number in [0, 1) that depends only on the client reference, in every container."""
    digest = hashlib.sha256(client_ref.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _tenant_short(tenant_id: str) -> str:
    # "pb.amritsar" -> "PB": the state part, safe for a username.
    short = re.sub(r"[^A-Z0-9]", "", tenant_id.split(".")[0].upper())[:6]
    return short or "T"


def _to_dynamo(value: Any) -> Any:
    """DynamoDB refuses floats: numbers become Decimal (bools stay bools)."""
    if isinstance(value, bool) or value is None or isinstance(value, str | Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, list | tuple):
        return [_to_dynamo(item) for item in value]
    if isinstance(value, dict):
        return {str(name): _to_dynamo(item) for name, item in value.items()}
    return value


def _plain(value: Any) -> Any:
    """A value read from the table with its Decimals as int (when whole) or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
