"""`make faults`' ground truth: the records each service holds for a tenant, read from the
service itself (the registry's table, the DIGIT fake's store), never from the flow's own
account (local/faults.py)."""

from typing import Any

import boto3

from local.fault_measure import Record, business_key
from local.stack import LocalStack
from tests.fakes.digit_server import FakeDigit
from tests.support.checks import registry_entities


def registry_records(stack: LocalStack, tenant_id: str, resource_type: str) -> list[Record]:
    """The built-in registry's entities of the tenant's type, each marked when its REF
    claim is missing."""
    entities = registry_entities(stack, tenant_id, resource_type)
    claimed = _ref_claims(stack, tenant_id, resource_type, entities)
    return [
        Record(
            str(entity["clientReferenceId"]),
            frozenset({str(entity["id"])}),
            business_key(resource_type, entity),
            "" if entity["clientReferenceId"] in claimed else "no REF claim",
        )
        for entity in entities
    ]


def _ref_claims(
    stack: LocalStack, tenant_id: str, resource_type: str, entities: list[dict[str, Any]]
) -> set[str]:
    """The client references among these entities' whose REF claim exists."""
    table = boto3.resource("dynamodb", region_name=stack.region).Table(
        stack.physical_id("RegistryTable")
    )
    refs = sorted({str(entity["clientReferenceId"]) for entity in entities})
    found: set[str] = set()
    for ref in refs:
        key = {"pk": f"REF#{tenant_id}#{resource_type}#{ref}", "sk": "REF"}
        if "Item" in table.get_item(Key=key, ConsistentRead=True):
            found.add(ref)
    return found


def digit_records(digit: FakeDigit, tenant_id: str, resource_type: str) -> list[Record]:
    """The DIGIT fake's facilities or employees of the tenant (an employee by its code, its
    user's and its own uuid, and its user's phone)."""
    if resource_type == "facility":
        return [
            Record(
                str(record["clientReferenceId"]),
                frozenset({str(record["id"])}),
                business_key("facility", record),
            )
            for record in digit.records("facility")
            if record["tenantId"] == tenant_id
        ]
    return [
        Record(
            str(record["code"]),
            frozenset(
                str(value) for value in (record["user"].get("uuid"), record.get("uuid")) if value
            ),
            business_key("user", {"phone": record["user"].get("mobileNumber")}),
        )
        for record in digit.records("employee")
        if record["tenantId"] == tenant_id
    ]
