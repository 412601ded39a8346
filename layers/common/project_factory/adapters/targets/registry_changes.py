"""Updates and deactivations in the built-in registry: a record's fields changed in place.

Items (beside those of registry_items.py):
  UPD#{tenant}#{type}#{clientRef} / UPD    a row's change, made: the record's id, the
                                           outcome (updated / deactivated), the fields

The order of the writes is a create's (see registry.py):
- a changed business key (a facility renamed, a user's new phone) is claimed first, with
  the record's id; a key another record owns makes the row a conflict and nothing changes;
- the record next, its fields set to the row's (the same values however often it is
  written: a change is idempotent), then the old key's claim released (only while it
  still names this record);
- the UPD claim last: `found` reports a change only once it is complete, and the flow
  confirms through it before it sends a row again, so a retry never applies a change a
  second time and a lost answer is confirmed by reading the claim back.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from project_factory.adapters.dynamo import plain, to_dynamo
from project_factory.adapters.key_claims import ClaimRequest, KeyClaims
from project_factory.adapters.targets.registry_kinds import RegistryKind
from project_factory.domain.audit import now_ms
from project_factory.domain.target_calls import PendingRow, TargetResult

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

BatchGet = Callable[[Sequence[tuple[str, str]]], list[dict[str, Any]]]
BatchWrite = Callable[[list[dict[str, Any]]], None]
#: a change to write: the row, its record as read, the old business key to release (or None)
_Change = tuple[PendingRow, dict[str, Any], str | None]


class RegistryChanges:
    """The changes of one resource type's records (the registry target's `update` side)."""

    def __init__(
        self,
        resource_type: str,
        table: "Table",
        kind: RegistryKind,
        *,
        claims: KeyClaims,
        batch_get: BatchGet,
        batch_write: BatchWrite,
    ) -> None:
        self.resource_type = resource_type
        self._table = table
        self._fields = kind.fields
        self._key_field = kind.key_field
        self._normalise_key = kind.normalise_key
        self._duplicate_reason = kind.duplicate_reason
        self._claims = claims
        self._batch_get = batch_get
        self._batch_write = batch_write

    def records(self, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The records among these ids: id -> canonical fields (and the username)."""
        return {
            str(item["id"]): {
                name: plain(item[name]) for name in (*self._fields, "username") if name in item
            }
            for item in self._entities(tenant_id, ids).values()
        }

    def apply(self, tenant_id: str, rows: Sequence[PendingRow]) -> dict[str, TargetResult]:
        """Each row's change made, or why not: updated / deactivated / conflict / rejected."""
        results, written = self._writable(tenant_id, rows)
        if written:
            self._write(tenant_id, written)
            results |= {row.client_ref: _changed(row, entity) for row, entity, _ in written}
        return results

    def _writable(
        self, tenant_id: str, rows: Sequence[PendingRow]
    ) -> tuple[dict[str, TargetResult], list[_Change]]:
        """(the refused rows' results, the changes to write: row, record, old key to release)."""
        entities = self._entities(tenant_id, [str(row.record_id) for row in rows])
        results: dict[str, TargetResult] = {}
        written: list[_Change] = []
        for row in rows:
            entity = entities.get(str(row.record_id))
            if entity is None:
                results[row.client_ref] = TargetResult(
                    row.client_ref,
                    "rejected",
                    code="RECORD_NOT_FOUND",
                    reason=f"no {self.resource_type} {row.record_id} in the registry",
                )
                continue
            refusal, released = self._claim_new_key(tenant_id, row, entity)
            if refusal is not None:
                results[row.client_ref] = refusal
                continue
            written.append((row, entity, released))
        return results, written

    def _write(self, tenant_id: str, written: list[_Change]) -> None:
        now = now_ms()
        self._batch_write(
            [entity | to_dynamo(row.changes) | {"updatedTime": now} for row, entity, _ in written]
        )
        for row, _, released in written:
            if released is not None:
                # Only while it still names this record: another may hold it by now.
                self._claims.release_of_record(
                    tenant_id, self.resource_type, released, str(row.record_id)
                )
        self._batch_write(
            [self._change_claim(tenant_id, row, entity, now) for row, entity, _ in written]
        )

    def found(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        """The changes made among these client references, from their UPD claims."""
        pk_to_ref = {self._upd_pk(tenant_id, ref): ref for ref in client_refs}
        found = {}
        for item in self._batch_get([(pk, "UPD") for pk in pk_to_ref]):
            ref = pk_to_ref[item["pk"]]
            output = {str(k): str(v) for k, v in (item.get("output") or {}).items()}
            found[ref] = TargetResult(ref, item["outcome"], id=str(item["id"]), output=output)
        return found

    # -- steps ----------------------------------------------------------------------------

    def _claim_new_key(
        self, tenant_id: str, row: PendingRow, entity: Mapping[str, Any]
    ) -> tuple[TargetResult | None, str | None]:
        """(a refusal, or None; the old key to release once the record is written)."""
        if self._key_field not in row.changes:
            return None, None
        new_key = self._normalise_key(str(row.changes[self._key_field]))
        old_key = self._normalise_key(str(entity.get(self._key_field, "")))
        if new_key == old_key:
            return None, None
        attributes: dict[str, Any] = {"id": str(row.record_id)}
        if entity.get("username"):
            attributes["username"] = str(entity["username"])
        request = ClaimRequest(new_key, row.client_ref, attributes)
        claim = self._claims.claim(tenant_id, self.resource_type, [request])[new_key]
        if claim.won or claim.owner_id == str(row.record_id):
            return None, old_key
        value = str(row.changes[self._key_field]).strip()
        return (
            TargetResult(
                row.client_ref,
                "conflict",
                id=claim.owner_id,
                code=f"DUPLICATE_{self._key_field.upper()}",
                reason=self._duplicate_reason.format(value=value),
            ),
            None,
        )

    def _change_claim(
        self, tenant_id: str, row: PendingRow, entity: Mapping[str, Any], now: int
    ) -> dict[str, Any]:
        return {
            "pk": self._upd_pk(tenant_id, row.client_ref),
            "sk": "UPD",
            "id": str(row.record_id),
            "outcome": _outcome(row),
            "output": _changed(row, entity).output,
            "changes": sorted(row.changes),
            "createdTime": now,
        }

    def _entities(self, tenant_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        entity_pk = f"ENTITY#{tenant_id}#{self.resource_type}"
        unique = list(dict.fromkeys(ids))
        return {str(item["sk"]): item for item in self._batch_get([(entity_pk, i) for i in unique])}

    def _upd_pk(self, tenant_id: str, client_ref: str) -> str:
        return f"UPD#{tenant_id}#{self.resource_type}#{client_ref}"


def _outcome(row: PendingRow) -> Literal["updated", "deactivated"]:
    return "deactivated" if row.operation == "deactivate" else "updated"


def _changed(row: PendingRow, entity: Mapping[str, Any]) -> TargetResult:
    output = {"username": str(entity["username"])} if entity.get("username") else {}
    return TargetResult(row.client_ref, _outcome(row), id=str(row.record_id), output=output)
