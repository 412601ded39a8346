"""The built-in registry: the default target, one DynamoDB table for facilities, users, boundaries.

Items (single-table design, keys `pk`/`sk`):
  ENTITY#{tenant}#{type} / {id}            the record: canonical fields, clientReferenceId,
                                           createdTime
  REF#{tenant}#{type}#{clientRef} / REF    client reference claim: id + output columns
  KEY#{tenant}#{type}#{businessKey} / KEY  business-key claim (facility name, phone, boundary
                                           code): owner clientReferenceId, id, claimedAt
  SEQ#{tenant}#user / SEQ                  username sequence (atomic ADD)
  UPD#{tenant}#{type}#{clientRef} / UPD    a row's update or deactivation, made (see
                                           registry_changes.py)
  FAULT#{clientRef} / FAULT                marker of an injected transient failure (demo only)

Each row's business key is claimed first, by one conditional PutItem (see
adapters/key_claims.py): exactly one client reference owns a key, however many uploads race
for it. Only the owners' rows are then written, in batches (BatchWriteItem), not one
transaction per row: a transaction per row costs a round trip per row (and moto copies the
whole table for each one, which is quadratic). Safety comes from the order of the writes:
- the KEY claim comes first; a row whose key another reference owns is never written. It
  answers `existing` (the owner's record has the same fields: the same file uploaded twice)
  or `conflict` (other fields), with the owner's id, or `pending` while the owner has
  claimed the key but not written its record yet (the flow asks again after its backoff);
- ids are derived from the client reference, so writing a row again overwrites the same
  record and a retried create can never make a second one;
- entities (and the KEY claim again, with its username) next, REF claims last: `find`
  (which reads REF claims) only reports rows whose record is complete, and a retry after a
  partial write finds its own KEY claim (same client reference), which lets it in to
  finish the job. A claim whose owner never wrote its record is taken over once stale
  (a day old: longer than any create flow retries a row).
`find` / `registered` are BatchGetItems on claims: no Scan, no Query over a tenant.
"""

import hashlib
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from project_factory.adapters.aws_errors import outage_is_transient
from project_factory.adapters.dynamo import (
    batch_get,
    conditional_write,
    plain,
    query_all,
    to_dynamo,
)
from project_factory.adapters.key_claims import (
    Claim,
    ClaimRequest,
    DynamoKeyClaims,
    KeyClaims,
    key_pk,
)
from project_factory.adapters.targets.base import PendingRow, TargetResult
from project_factory.adapters.targets.registry_changes import RegistryChanges
from project_factory.adapters.usernames import DEFAULT_USERNAME_PATTERN, UsernameAllocator
from project_factory.passwords import hash_password
from project_factory.settings import Settings

_ABSENT = "attribute_not_exists(pk)"


@dataclass(frozen=True)
class _Kind:
    """What differs between resource types."""

    key_field: str
    fields: tuple[str, ...]
    #: the record's id from (tenant, client reference, row data): the same row, the same id
    new_id: Callable[[str, str, Mapping[str, Any]], str]
    normalise_key: Callable[[str], str]
    duplicate_reason: str  # formatted with the row's business key as `value`
    required: tuple[str, ...] = ()


_KINDS: dict[str, _Kind] = {
    "facility": _Kind(
        key_field="name",
        fields=("name", "facilityType", "isPermanent", "capacity", "boundaryCodes", "usage"),
        new_id=lambda tenant, ref, _data: "F-" + _digest(tenant, ref)[:12].upper(),
        # Names differing only by case or spacing are the same facility to a person.
        normalise_key=lambda value: value.strip().lower(),
        duplicate_reason="a facility named {value!r} already exists",
        required=("name",),
    ),
    "user": _Kind(
        key_field="phone",
        fields=("name", "phone", "roles", "employmentType", "boundaryCodes", "usage"),
        new_id=lambda tenant, ref, _data: str(uuid.UUID(_digest(tenant, ref)[:32], version=4)),
        normalise_key=str.strip,
        duplicate_reason="phone {value} is already registered",
        required=("phone", "password"),
    ),
    "boundary": _Kind(
        key_field="code",
        fields=("code", "name", "boundaryType", "parentCode"),
        new_id=lambda _tenant, _ref, data: str(data["code"]).strip(),
        normalise_key=str.strip,
        duplicate_reason="boundary code {value!r} already exists",
        required=("code",),
    ),
}


class RegistryTarget:
    """Creates rows of one resource type in the registry table, synchronously."""

    confirms_by_search = False
    # Ids derive from the client reference: writing a row again overwrites its record.
    resend_after_seconds = 0.0

    def __init__(
        self,
        resource_type: str,
        table: Any,
        *,
        failure_rate: float = 0.0,
        usernames: "UsernameAllocator | None" = None,
        claims: KeyClaims | None = None,
    ) -> None:
        if resource_type not in _KINDS:
            raise ValueError(f"the registry holds {sorted(_KINDS)}, not {resource_type!r}")
        self.resource_type = resource_type
        self._kind = _KINDS[resource_type]
        self._table = table
        # The resource's own client: boto3 converts plain values (str, Decimal, list, dict)
        # to and from DynamoDB's typed form on its calls, as it does for the table's.
        self._client = table.meta.client
        self._failure_rate = failure_rate
        self._usernames = usernames or UsernameAllocator(table, DEFAULT_USERNAME_PATTERN)
        self._claims = claims or DynamoKeyClaims(table)
        kind = self._kind
        self.updatable_fields = kind.fields
        self._changes = RegistryChanges(
            resource_type,
            table,
            fields=kind.fields,
            key_field=kind.key_field,
            normalise_key=kind.normalise_key,
            duplicate_reason=kind.duplicate_reason,
            claims=self._claims,
            batch_get=self._batch_get,
            batch_write=self._batch_write,
        )

    # -- Target ---------------------------------------------------------------------------

    def create(self, tenant_id: str, rows: Sequence[PendingRow]) -> list[TargetResult]:
        """Claims the rows' business keys, then writes the rows that own theirs.

        A row written before (its KEY claim names its client reference) is written again
        with the same id and username: the same record, never a second one. No REF lookup
        first: the flow confirms with `find` before it sends a row again. A row whose key
        another reference owns (another upload's row, or an earlier row of this batch)
        becomes no record: existing, conflict or pending (see the module's docstring).
        """
        results: dict[str, TargetResult] = self._changes.apply(
            tenant_id, [row for row in rows if row.operation != "create"]
        )
        claimants: dict[str, PendingRow] = {}  # by business key: its first row here
        followers: list[tuple[PendingRow, str]] = []
        for row in rows:
            if row.operation != "create":
                continue
            result = self._precheck(row)
            if result is not None:
                results[row.client_ref] = result
            elif (key := self._business_key(row)) in claimants:
                followers.append((row, key))
            else:
                claimants[key] = row
        claims = self._claims.claim(
            tenant_id,
            self.resource_type,
            [
                ClaimRequest(key, row.client_ref, self._claim_attributes(tenant_id, row))
                for key, row in claimants.items()
            ],
        )
        owned = [(row, dict(claims[key].item)) for key, row in claimants.items() if claims[key].won]
        results |= self._write(tenant_id, owned)
        # Written first, so that a later row of this batch with the same key finds its record.
        others = [(row, claims[key]) for key, row in claimants.items() if not claims[key].won]
        others += [
            (row, self._owner_of(tenant_id, claims[key], claimants[key])) for row, key in followers
        ]
        results |= self._against_owners(tenant_id, others)
        return [results[row.client_ref] for row in rows]

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        """Created rows among these client references, read from their REF claims, and
        records whose REF claim a failure kept from being written (their ids derive from the
        reference): the record is there, so the row is created."""
        pk_to_ref = {self._ref_pk(tenant_id, ref): ref for ref in client_refs}
        found = {}
        for item in self._batch_get([(pk, "REF") for pk in pk_to_ref]):
            ref = pk_to_ref[item["pk"]]
            found[ref] = _created(ref, item)
        missing = [ref for ref in client_refs if ref not in found]
        if missing and self.resource_type != "boundary":  # a boundary's id is its code
            found |= self._written_without_ref(tenant_id, missing)
        return found

    def records(self, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The records among these ids (RecordKeeper): rows that carry one are changes."""
        return self._changes.records(tenant_id, ids)

    def changes_made(self, tenant_id: str, rows: Sequence[PendingRow]) -> dict[str, TargetResult]:
        """The changes made among these rows, from their UPD claims (RecordKeeper)."""
        return self._changes.found(tenant_id, [row.client_ref for row in rows])

    def _written_without_ref(
        self, tenant_id: str, client_refs: Sequence[str]
    ) -> dict[str, TargetResult]:
        entity_pk = f"ENTITY#{tenant_id}#{self.resource_type}"
        ids = {self._kind.new_id(tenant_id, ref, {}): ref for ref in client_refs}
        found = {}
        for entity in self._batch_get([(entity_pk, entity_id) for entity_id in ids]):
            ref = ids[str(entity["id"])]
            if entity.get("clientReferenceId") != ref:
                continue
            output = {"username": str(entity["username"])} if entity.get("username") else {}
            found[ref] = TargetResult(ref, "created", id=str(entity["id"]), output=output)
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
        with outage_is_transient("registry"):
            return [
                {"id": item["id"]}
                | {name: plain(item[name]) for name in self._kind.fields if name in item}
                for item in query_all(self._table, arguments)
            ]

    # -- create steps ---------------------------------------------------------------------

    def _precheck(self, row: PendingRow) -> TargetResult | None:
        """A result for a row that must not be written, or None."""
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
        return inject_fault(self._table, self._failure_rate, client_ref)

    def _business_key(self, row: PendingRow) -> str:
        return self._kind.normalise_key(str(row.data[self._kind.key_field]))

    def _claim_attributes(self, tenant_id: str, row: PendingRow) -> dict[str, Any]:
        """Kept with the KEY claim: the record's id, and the username the row carries."""
        attributes: dict[str, Any] = {"id": self._kind.new_id(tenant_id, row.client_ref, row.data)}
        if self.resource_type == "user" and row.data.get("username"):
            attributes["username"] = str(row.data["username"])
        return attributes

    def _owner_of(self, tenant_id: str, claim: Claim, claimant: PendingRow) -> Claim:
        """The owner of a key an earlier row of the batch claimed: that row, or whoever beat it."""
        if not claim.won:
            return claim
        entity_id = self._kind.new_id(tenant_id, claimant.client_ref, claimant.data)
        item = {"id": entity_id, "clientReferenceId": claimant.client_ref}
        return Claim(claim.key, False, claimant.client_ref, item)

    def _against_owners(
        self, tenant_id: str, others: list[tuple[PendingRow, Claim]]
    ) -> dict[str, TargetResult]:
        """Rows whose key another reference owns, compared with the owner's record."""
        if not others:
            return {}
        owner_ids = {claim.owner_id for _, claim in others if claim.owner_id}
        entity_pk = f"ENTITY#{tenant_id}#{self.resource_type}"
        entities = {
            str(item["sk"]): item for item in self._batch_get([(entity_pk, i) for i in owner_ids])
        }
        results: dict[str, TargetResult] = {}
        taken: list[tuple[PendingRow, dict[str, Any] | None]] = []
        for row, claim in others:
            entity = entities.get(claim.owner_id or "")
            if entity is not None:
                results[row.client_ref] = self._compared(row, entity)
                continue
            request = ClaimRequest(
                claim.key, row.client_ref, self._claim_attributes(tenant_id, row)
            )
            # The owner claimed the key and has not written its record: it is writing it
            # now (ask again later), or it died long ago and the key is free again.
            if self._claims.take_over_stale(tenant_id, self.resource_type, request, claim):
                taken.append((row, None))
            else:
                results[row.client_ref] = self._owner_busy(row, claim)
        return results | self._write(tenant_id, taken)

    def _compared(self, row: PendingRow, entity: Mapping[str, Any]) -> TargetResult:
        """existing when the owner's record has this row's fields, conflict when not.

        The canonical fields, as stored: secrets are never stored (a password only as a
        hash) and usernames are given out, so neither is compared; the key itself matched
        (as normalised: names differing only by case or spacing are the same facility).
        """
        kind = self._kind
        entity_id = str(entity["id"])
        differing = [
            name
            for name in kind.fields
            if name != kind.key_field
            and _comparable(row.data.get(name)) != _comparable(entity.get(name))
        ]
        if not differing:
            output = {"username": str(entity["username"])} if entity.get("username") else {}
            return TargetResult(row.client_ref, "existing", id=entity_id, output=output)
        value = str(row.data[kind.key_field]).strip()
        return TargetResult(
            row.client_ref,
            "conflict",
            id=entity_id,
            code=f"DUPLICATE_{kind.key_field.upper()}",
            reason=kind.duplicate_reason.format(value=value)
            + f" ({entity_id}), with a different {', '.join(differing)}",
        )

    def _owner_busy(self, row: PendingRow, claim: Claim) -> TargetResult:
        field = self._kind.key_field
        value = str(row.data[field]).strip()
        return TargetResult(
            row.client_ref,
            "pending",
            code="KEY_CLAIMED_NOT_WRITTEN",
            reason=f"{field} {value!r} is claimed by row {claim.owner} of another upload, "
            "whose record is not written yet",
        )

    def _write(
        self, tenant_id: str, rows: list[tuple[PendingRow, dict[str, Any] | None]]
    ) -> dict[str, TargetResult]:
        if not rows:
            return {}
        fresh = [
            row
            for row, claim in rows
            if not ((claim or {}).get("username") or row.data.get("username"))
        ]
        usernames = iter(self._allocate_usernames(tenant_id, len(fresh)))
        records, refs, results = [], [], {}
        for row, claim in rows:
            # A retry after a partial write keeps the username its KEY claim recorded; a row
            # of a file validated before usernames were given out at validation gets one now.
            username = (claim or {}).get("username") or row.data.get("username") or next(usernames)
            row_records, ref_claim = self.items(tenant_id, row, username)
            records += row_records
            refs.append(ref_claim)
            results[row.client_ref] = TargetResult(
                row.client_ref, "created", id=ref_claim["id"], output=_output(username)
            )
        # Records first, REF claims last: a row is "found" only once it is complete.
        self._batch_write(records)
        self._batch_write(refs)
        return results

    def items(
        self, tenant_id: str, row: PendingRow, username: str | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The items that record a row: (entity and KEY claim, REF claim)."""
        kind = self._kind
        entity_id = kind.new_id(tenant_id, row.client_ref, row.data)
        now = _now_ms()
        entity: dict[str, Any] = {
            name: to_dynamo(row.data[name]) for name in kind.fields if name in row.data
        }
        entity |= {
            "pk": f"ENTITY#{tenant_id}#{self.resource_type}",
            "sk": entity_id,
            "id": entity_id,
            "tenantId": tenant_id,
            "clientReferenceId": row.client_ref,
            "createdTime": now,
        }
        key_claim: dict[str, Any] = {
            "pk": self._key_pk(tenant_id, kind.normalise_key(str(row.data[kind.key_field]))),
            "sk": "KEY",
            "id": entity_id,
            "clientReferenceId": row.client_ref,
            "claimedAt": now,
        }
        if username is not None:
            entity["username"] = username
            entity["passwordHash"] = hash_password(str(row.data["password"]))
            key_claim["username"] = username
        ref_claim = {
            "pk": self._ref_pk(tenant_id, row.client_ref),
            "sk": "REF",
            "id": entity_id,
            "output": {"username": username} if username is not None else {},
            "createdTime": now,
        }
        return [entity, key_claim], ref_claim

    def _allocate_usernames(self, tenant_id: str, count: int) -> list[str | None]:
        if self.resource_type != "user" or count == 0:
            return [None] * count
        return list(self._usernames.allocate(tenant_id, count))

    # -- DynamoDB calls -------------------------------------------------------------------

    def _batch_write(self, items: list[dict[str, Any]]) -> None:
        # boto3's batch writer sends 25 items per call and resends unprocessed ones.
        with outage_is_transient("registry"), self._table.batch_writer() as batch:
            for item in items:
                batch.put_item(Item=item)

    def _batch_get(self, keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        with outage_is_transient("registry"):
            return batch_get(self._table, [{"pk": pk, "sk": sk} for pk, sk in keys])

    def _ref_pk(self, tenant_id: str, client_ref: str) -> str:
        return f"REF#{tenant_id}#{self.resource_type}#{client_ref}"

    def _key_pk(self, tenant_id: str, key: str) -> str:
        return key_pk(tenant_id, self.resource_type, key)


def registry_target(resource_type: str, settings: Settings, table: Any = None) -> RegistryTarget:
    """The registry target for one resource type; the table is built from settings unless given."""
    if table is None:
        import boto3  # lazily: keeps cold starts of functions that never create rows small

        table = boto3.resource("dynamodb", region_name=settings.region).Table(
            settings.registry_table
        )
    return RegistryTarget(
        resource_type,
        table,
        failure_rate=settings.registry_transient_failure_rate,
        usernames=UsernameAllocator(table, settings.username_pattern),
        claims=DynamoKeyClaims(table),
    )


# -- helpers ------------------------------------------------------------------------------


def inject_fault(table: Any, failure_rate: float, client_ref: str) -> bool:
    """Whether to fail a chosen row's first attempt (the demo's RegistryTransientFailureRate);
    its FAULT marker makes every later attempt go through."""
    if failure_rate <= 0 or _stable_fraction(client_ref) >= failure_rate:
        return False
    marker = {"pk": f"FAULT#{client_ref}", "sk": "FAULT", "createdTime": _now_ms()}
    return conditional_write(
        lambda: table.put_item(Item=marker, ConditionExpression=_ABSENT), "registry"
    )


def _output(username: str | None) -> dict[str, str]:
    """The username given out. The password is the flow's own (sealed with its chunk), so
    it is never echoed back; the registry keeps only its hash."""
    return {"username": username} if username is not None else {}


def _created(client_ref: str, ref_claim: Mapping[str, Any]) -> TargetResult:
    output = {name: str(value) for name, value in (ref_claim.get("output") or {}).items()}
    return TargetResult(client_ref, "created", id=str(ref_claim["id"]), output=output)


def _comparable(value: Any) -> Any:
    """A canonical field as the table gives it back (numbers as Decimal, then plain)."""
    return plain(to_dynamo(value))


def _stable_fraction(client_ref: str) -> float:
    """A number in [0, 1) that depends only on the client reference, in every container."""
    digest = hashlib.sha256(client_ref.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _digest(tenant_id: str, client_ref: str) -> str:
    return hashlib.sha256(f"{tenant_id}|{client_ref}".encode()).hexdigest()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
