"""A resource type's sheet as its schema source describes it: the spec bound to the schema."""

from typing import Any

from project_factory.flows.ports import Ports
from project_factory.sheets.schema import to_json_schema
from project_factory.sheets.spec import SheetSpec
from project_factory.sheets.spec_binding import bind


def bound_schema(
    spec: SheetSpec, tenant_id: str, services: Ports
) -> tuple[SheetSpec, dict[str, Any]]:
    """The spec with the schema's own column names, and the row's JSON Schema."""
    return bind(spec, to_json_schema(services.schemas.get(tenant_id, spec.resource_type)))
