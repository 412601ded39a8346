"""The items that record a row in the built-in registry table, and how they are read back.

Kept apart from the registry target (registry.py), which decides when each is written: here
is only what each item holds, so the layout is read in one place.

Items (single-table design, keys `pk`/`sk`):
  ENTITY#{tenant}#{type} / {id}            the record: canonical fields, clientReferenceId,
                                           createdTime (a user's username and passwordHash)
  REF#{tenant}#{type}#{clientRef} / REF    client reference claim: id + output columns
  KEY#{tenant}#{type}#{businessKey} / KEY  business-key claim (facility name, phone, boundary
                                           code): owner clientReferenceId, id, claimedAt
                                           (see adapters/key_claims.py)
  SEQ#{tenant}#user / SEQ                  username sequence (atomic ADD, see
                                           adapters/usernames.py)
  UPD#{tenant}#{type}#{clientRef} / UPD    a row's update or deactivation, made (see
                                           registry_changes.py)
  FAULT#{clientRef} / FAULT                marker of an injected transient failure (demo
                                           only, see injected_faults.py)
"""

from collections.abc import Mapping
from typing import Any

from project_factory.adapters.dynamo import to_dynamo
from project_factory.adapters.key_claims import key_pk
from project_factory.adapters.targets.registry_kinds import RegistryKind
from project_factory.domain.audit import now_ms
from project_factory.domain.target_calls import PendingRow, TargetResult
from project_factory.passwords import hash_password

Item = dict[str, Any]


def entity_pk(tenant_id: str, resource_type: str) -> str:
    return f"ENTITY#{tenant_id}#{resource_type}"


def ref_pk(tenant_id: str, resource_type: str, client_ref: str) -> str:
    return f"REF#{tenant_id}#{resource_type}#{client_ref}"


def row_items(
    kind: RegistryKind,
    resource_type: str,
    tenant_id: str,
    row: PendingRow,
    username: str | None = None,
) -> tuple[list[Item], Item]:
    """The items that record a row: (entity and KEY claim, REF claim)."""
    entity_id = kind.new_id(tenant_id, row.client_ref, row.data)
    now = now_ms()
    entity: Item = {name: to_dynamo(row.data[name]) for name in kind.fields if name in row.data}
    entity |= {
        "pk": entity_pk(tenant_id, resource_type),
        "sk": entity_id,
        "id": entity_id,
        "tenantId": tenant_id,
        "clientReferenceId": row.client_ref,
        "createdTime": now,
    }
    key_claim: Item = {
        "pk": key_pk(tenant_id, resource_type, kind.business_key(row)),
        "sk": "KEY",
        "id": entity_id,
        "clientReferenceId": row.client_ref,
        "claimedAt": now,
    }
    if username is not None:
        entity["username"] = username
        entity["passwordHash"] = hash_password(str(row.data["password"]))
        key_claim["username"] = username
    ref_claim: Item = {
        "pk": ref_pk(tenant_id, resource_type, row.client_ref),
        "sk": "REF",
        "id": entity_id,
        "output": username_output(username),
        "createdTime": now,
    }
    return [entity, key_claim], ref_claim


def key_claim_attributes(
    kind: RegistryKind, resource_type: str, tenant_id: str, row: PendingRow
) -> Item:
    """What the KEY claim keeps when it is first made: the record's id, and the username
    the row carries (so a retry after a partial write keeps it)."""
    attributes: Item = {"id": kind.new_id(tenant_id, row.client_ref, row.data)}
    if resource_type == "user" and row.data.get("username"):
        attributes["username"] = str(row.data["username"])
    return attributes


def username_output(username: str | None) -> dict[str, str]:
    """The username given out. The password is the flow's own (sealed with its chunk), so
    it is never echoed back; the registry keeps only its hash."""
    return {"username": username} if username is not None else {}


def created_from_ref(client_ref: str, ref_claim: Mapping[str, Any]) -> TargetResult:
    """The created result a REF claim records."""
    output = {name: str(value) for name, value in (ref_claim.get("output") or {}).items()}
    return TargetResult(client_ref, "created", id=str(ref_claim["id"]), output=output)


def created_from_entity(client_ref: str, entity: Mapping[str, Any]) -> TargetResult:
    """The created result of a record whose REF claim was never written."""
    output = {"username": str(entity["username"])} if entity.get("username") else {}
    return TargetResult(client_ref, "created", id=str(entity["id"]), output=output)
