"""What the built-in registry answers about rows it holds, read back from the table.

Kept apart from the registry target's create path (registry.py): these reads write
nothing and need none of its ordering, only the item layout (registry_items.py). `find`
(a retry's confirmation) and `registered` (validation's lookup of taken keys) are
BatchGetItems on claims and records: no Scan, no Query over a tenant. The permanent
facilities a template lists are one Query over the tenant's facility records.
"""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from project_factory.adapters.aws_errors import outage_is_transient
from project_factory.adapters.dynamo import plain, query_all
from project_factory.adapters.key_claims import key_pk
from project_factory.adapters.targets.registry_items import (
    Item,
    created_from_entity,
    created_from_ref,
    entity_pk,
    ref_pk,
)
from project_factory.adapters.targets.registry_kinds import RegistryKind
from project_factory.domain.target_calls import TargetResult

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

BatchGet = Callable[[Sequence[tuple[str, str]]], list[Item]]


class RegistryReads:
    """The reads of one resource type's rows in the registry table."""

    def __init__(
        self, resource_type: str, kind: RegistryKind, table: "Table", batch_get: BatchGet
    ) -> None:
        self._resource_type = resource_type
        self._kind = kind
        self._table = table
        self._batch_get = batch_get

    def find(self, tenant_id: str, client_refs: Sequence[str]) -> dict[str, TargetResult]:
        """Created rows among these client references, read from their REF claims, and
        records whose REF claim a failure kept from being written (their ids derive from the
        reference): the record is there, so the row is created."""
        pk_to_ref = {ref_pk(tenant_id, self._resource_type, ref): ref for ref in client_refs}
        found = {}
        for item in self._batch_get([(pk, "REF") for pk in pk_to_ref]):
            ref = pk_to_ref[item["pk"]]
            found[ref] = created_from_ref(ref, item)
        missing = [ref for ref in client_refs if ref not in found]
        if missing and self._resource_type != "boundary":  # a boundary's id is its code
            found |= self._written_without_ref(tenant_id, missing)
        return found

    def registered(self, tenant_id: str, key: str, values: Sequence[str]) -> set[str]:
        """The values (as given) whose business key is already claimed, e.g. phones."""
        if key != self._kind.key_field:
            return set()
        pk_to_values: dict[str, list[str]] = {}
        for value in values:
            normalised = self._kind.normalise_key(str(value))
            if normalised:
                pk = key_pk(tenant_id, self._resource_type, normalised)
                pk_to_values.setdefault(pk, []).append(value)
        claimed = self._batch_get([(pk, "KEY") for pk in pk_to_values])
        return {value for item in claimed for value in pk_to_values[item["pk"]]}

    def permanent_facilities(self, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's permanent facilities: canonical fields and id (a Query, not a Scan)."""
        if self._resource_type != "facility":
            raise ValueError(f"the registry keeps facilities, not {self._resource_type!r}, here")
        arguments: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "FilterExpression": "isPermanent = :yes",
            "ExpressionAttributeValues": {":pk": entity_pk(tenant_id, "facility"), ":yes": True},
        }
        with outage_is_transient("registry"):
            return [
                {"id": item["id"]}
                | {name: plain(item[name]) for name in self._kind.fields if name in item}
                for item in query_all(self._table, arguments)
            ]

    def _written_without_ref(
        self, tenant_id: str, client_refs: Sequence[str]
    ) -> dict[str, TargetResult]:
        ids = {self._kind.new_id(tenant_id, ref, {}): ref for ref in client_refs}
        pk = entity_pk(tenant_id, self._resource_type)
        found = {}
        for entity in self._batch_get([(pk, entity_id) for entity_id in ids]):
            ref = ids[str(entity["id"])]
            if entity.get("clientReferenceId") == ref:
                found[ref] = created_from_entity(ref, entity)
        return found
