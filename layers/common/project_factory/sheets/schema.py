"""Admin schemas (the original's MDMS `HCM-ADMIN-CONSOLE.adminSchema` records) as JSON Schema.

A record lists its columns in three groups (`stringProperties`, `numberProperties`,
`enumProperties`); each column is an object keyed by its localisation code. The JSON
Schema describes one sheet row as an object keyed by those codes, and keeps what the
sheets need beside validation under `x-` keywords (JSON Schema ignores unknown ones):

- `x-columns`: every column code in `orderNumber` order (template column order);
- `x-unique`: the codes whose values must be unique within a file;
- per property: `errorMessage` (text or a localisation code used for every error of
  that column), `x-hideColumn`, `x-freezeColumn`, `x-freezeColumnIfFilled`.

A property with `multiSelectDetails` (several values from a list, comma-separated in
the cell) becomes an array; the validator splits the cell before validating it.
"""

import json
import math
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from project_factory.errors import InvalidSchemaError, NotFoundError
from project_factory.sheets.layout import ERRORS_COLUMN, STATUS_COLUMN

PROPERTY_GROUPS = ("stringProperties", "numberProperties", "enumProperties")
#: Copied from the admin schema as they are.
_STRING_KEYWORDS = ("minLength", "maxLength", "pattern", "enum")
_NUMBER_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
#: Copied as `x-<name>` annotations, for the template builder.
_ANNOTATIONS = ("hideColumn", "freezeColumn", "freezeColumnIfFilled")
#: Columns the processed file writes; some records list them, but they are never input.
_OUTPUT_ONLY = frozenset({STATUS_COLUMN, ERRORS_COLUMN})
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$")


def to_json_schema(admin_schema: Mapping[str, Any]) -> dict[str, Any]:
    """The Draft 2020-12 schema of one sheet row; raises InvalidSchemaError when malformed."""
    columns = _columns_in_order(admin_schema)
    properties: dict[str, Any] = {}
    required: list[str] = []
    unique: list[str] = []
    for group, column in columns:
        name = column["name"]
        properties[name] = _property_schema(group, column)
        if column.get("isRequired") is True:
            required.append(name)
        if column.get("isUnique") is True:
            unique.append(name)
    # Some records also list required names at the top level; honour both.
    listed = admin_schema.get("required")
    for name in listed if isinstance(listed, list) else []:
        if name in properties and name not in required:
            required.append(name)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": str(admin_schema.get("title", "")),
        "type": "object",
        "properties": properties,
        "required": required,
        "x-columns": list(properties),
        "x-unique": unique,
    }
    check_json_schema(schema)
    return schema


def check_json_schema(schema: Mapping[str, Any]) -> None:
    """Raise InvalidSchemaError unless `schema` is a valid Draft 2020-12 object schema."""
    # Imported when checking: handlers that never check a schema do not pay for it.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        raise InvalidSchemaError(
            f"The schema is not a valid JSON Schema: {error.message} (at {where})",
            path=where,
        ) from error
    if not isinstance(schema.get("properties"), Mapping):
        raise InvalidSchemaError("The schema has no 'properties' object describing the columns")


def load_bundled_admin_schema(identifier: str) -> dict[str, Any]:
    """The bundled admin schema record `identifier` (e.g. `facility.all`)."""
    if not _IDENTIFIER.match(identifier):
        raise NotFoundError(f"No bundled schema '{identifier}'", identifier=identifier)
    entry = resources.files("project_factory").joinpath("data", "schemas", f"{identifier}.json")
    if not entry.is_file():
        raise NotFoundError(f"No bundled schema '{identifier}'", identifier=identifier)
    record: dict[str, Any] = json.loads(entry.read_text(encoding="utf-8"))
    return record


@cache
def _bundled_json_schema(identifier: str) -> str:
    return json.dumps(to_json_schema(load_bundled_admin_schema(identifier)))


def bundled_json_schema(identifier: str) -> dict[str, Any]:
    """`to_json_schema` of a bundled record, converted once per process (a fresh copy)."""
    schema: dict[str, Any] = json.loads(_bundled_json_schema(identifier))
    return schema


def _columns_in_order(admin_schema: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    if not isinstance(admin_schema, Mapping) or not isinstance(
        admin_schema.get("properties"), Mapping
    ):
        raise InvalidSchemaError("The admin schema record has no 'properties' object")
    found: list[tuple[float, int, str, Mapping[str, Any]]] = []
    seen: set[str] = set()
    for group in PROPERTY_GROUPS:
        entries = admin_schema["properties"].get(group) or []
        if not isinstance(entries, list):
            raise InvalidSchemaError(f"The admin schema's '{group}' is not a list")
        for column in entries:
            name = column.get("name") if isinstance(column, Mapping) else None
            if not isinstance(name, str) or not name.strip():
                raise InvalidSchemaError(f"A column in '{group}' has no name")
            if name in _OUTPUT_ONLY:
                continue
            if name in seen:
                raise InvalidSchemaError(f"The admin schema declares the column '{name}' twice")
            seen.add(name)
            order = column.get("orderNumber")
            rank = float(order) if isinstance(order, int | float) else math.inf
            found.append((rank, len(found), group, column))
    found.sort(key=lambda item: (item[0], item[1]))
    return [(group, column) for _, _, group, column in found]


def _property_schema(group: str, column: Mapping[str, Any]) -> dict[str, Any]:
    multi = column.get("multiSelectDetails")
    if isinstance(multi, Mapping):
        prop = _multi_select_schema(multi)
    elif group == "numberProperties":
        kind = column.get("type", "number")
        prop = {"type": kind if kind in ("number", "integer") else "number"}
        prop |= {key: column[key] for key in _NUMBER_KEYWORDS if key in column}
    else:
        prop = {"type": "string"}
        prop |= {key: column[key] for key in _STRING_KEYWORDS if key in column}
    if column.get("description"):
        prop["description"] = column["description"]
    if column.get("errorMessage"):
        prop["errorMessage"] = column["errorMessage"]
    for key in _ANNOTATIONS:
        if column.get(key) is True:
            prop[f"x-{key}"] = True
    return prop


def _multi_select_schema(multi: Mapping[str, Any]) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
    if "enum" in multi:
        prop["items"]["enum"] = multi["enum"]
    if "minSelections" in multi:
        prop["minItems"] = multi["minSelections"]
    if "maxSelections" in multi:
        prop["maxItems"] = multi["maxSelections"]
    return prop
