"""A spec bound to the schema its sheet has: every column named as the schema names it.

The schema says which columns a sheet has; the spec only says what they are for. The
original's records and ours spell some columns differently (`COLUMN_ALIASES`), and leave
out the id column the service fills; binding settles both once, before any row is read.
"""

import copy
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from project_factory.errors import InvalidSchemaError
from project_factory.sheets.spec import (
    BOUNDARY_CODE_COLUMN,
    BOUNDARY_CODE_MANDATORY_COLUMN,
    SheetSpec,
)

#: Other names a schema may give a spec's column: a spec is bound to the one it has.
COLUMN_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {BOUNDARY_CODE_COLUMN: (BOUNDARY_CODE_MANDATORY_COLUMN,)}
)


def bind(spec: SheetSpec, json_schema: Mapping[str, Any]) -> tuple[SheetSpec, dict[str, Any]]:
    """The spec with every column named as the schema names it, and the schema with the
    service's own id column (hidden, frozen) when the schema does not list it.

    A column the rows cannot do without (a field, the phone, the boundary codes) that the
    schema lacks is an InvalidSchemaError naming it, before any row is read. Binding a
    bound spec again changes nothing.
    """
    properties: Mapping[str, Any] = json_schema.get("properties") or {}

    def named(column: str) -> str:
        return next(
            (name for name in (column, *COLUMN_ALIASES.get(column, ())) if name in properties),
            column,
        )

    def needed(column: str, role: str) -> str:
        name = named(column)
        if name not in properties:
            spellings = " or ".join((column, *COLUMN_ALIASES.get(column, ())))
            raise InvalidSchemaError(
                f"The {spec.resource_type} schema has no {role} column ({spellings})",
                code="SCHEMA_COLUMN_MISSING",
                column=column,
                type=spec.resource_type,
            )
        return name

    def optional(column: str | None) -> str | None:
        return named(column) if column is not None and named(column) in properties else None

    bound = replace(
        spec,
        boundary_column=needed(spec.boundary_column, "boundary code")
        if spec.boundary_column
        else None,
        phone_column=needed(spec.phone_column, "phone") if spec.phone_column else None,
        usage_column=optional(spec.usage_column),
        unique_columns=tuple(named(column) for column in spec.unique_columns),
        registered_columns=tuple(named(column) for column in spec.registered_columns),
        fields=MappingProxyType({key: needed(column, key) for key, column in spec.fields.items()}),
    )
    return bound, _with_id_column(spec, json_schema)


def _with_id_column(spec: SheetSpec, json_schema: Mapping[str, Any]) -> dict[str, Any]:
    """The original's records leave out the id column the service fills; add it."""
    schema = copy.deepcopy(dict(json_schema))
    column = spec.id_column
    if column is None or column in schema.get("properties", {}):
        return schema
    schema["properties"][column] = {
        "type": "string",
        "minLength": 1,
        "maxLength": 128,
        "x-hideColumn": True,
        "x-freezeColumn": True,
    }
    schema["x-columns"] = [*schema.get("x-columns", ()), column]
    return schema
