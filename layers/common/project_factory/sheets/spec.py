"""What the columns of each resource type's sheet mean, and the canonical fields of a row.

The schema says what a valid cell is; a spec says what a column is for: the id column
filled after creation, the output columns, the boundary codes, the usage flag, the
phone. `to_canonical` turns a validated row into the fields the targets consume, so no
target ever sees a sheet header.

Boundary sheets: one column per hierarchy level, top first. A row defines ONE boundary,
the one named in its deepest filled column; the columns above name its ancestors, and
give its parent. Codes are generated from the names of the path (see `boundary_code`),
so the same path always yields the same code and a row naming an existing boundary is
recognised as existing. A parent must be defined on an earlier row or already exist.
"""

import copy
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from project_factory.domain.resources import ResourceType
from project_factory.errors import InvalidRequestError, InvalidSchemaError
from project_factory.sheets.cells import cell_text
from project_factory.sheets.messages import normalise_text

ACTIVE = "Active"
INACTIVE = "Inactive"
USAGE_VALUES = (ACTIVE, INACTIVE)
PERMANENT = "Permanent"

README_SHEET = "HCM_README_SHEETNAME"
BOUNDARY_SHEET = "HCM_ADMIN_CONSOLE_BOUNDARY_DATA"
BOUNDARY_CODE_COLUMN = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE"
#: The original's facility and user sheets name the boundary column so; older files, the
#: boundary sheet and target tabs use BOUNDARY_CODE_COLUMN. Its code reads either.
BOUNDARY_CODE_MANDATORY_COLUMN = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE_MANDATORY"
#: Other names a schema may give a spec's column: a spec is bound to the one it has.
COLUMN_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {BOUNDARY_CODE_COLUMN: (BOUNDARY_CODE_MANDATORY_COLUMN,)}
)

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class SheetSpec:
    resource_type: ResourceType
    #: bundled admin schema identifier
    schema_identifier: str
    #: localisation code of the data sheet's name
    data_sheet: str
    #: filled with the created record's id; a row that has one already exists
    id_column: str | None = None
    #: output key (as in a target's result) -> column, filled after creation
    output_columns: Mapping[str, str] = _EMPTY
    #: outputs handed out only in the credentials file: their column of the processed file
    #: is left empty (and emptied, when the upload had something there)
    secret_outputs: tuple[str, ...] = ()
    #: unique within a file, on top of the schema's isUnique columns
    unique_columns: tuple[str, ...] = ()
    boundary_column: str | None = None
    #: whether the boundary column holds several comma-separated codes
    multiple_boundaries: bool = True
    usage_column: str | None = None
    phone_column: str | None = None
    #: values the target must not have already (checked with the validator's `registered`)
    registered_columns: tuple[str, ...] = ()
    #: canonical field -> column, for fields copied as they are
    fields: Mapping[str, str] = _EMPTY
    #: boundary sheets: (column, boundary type), top level first
    levels: tuple[tuple[str, str], ...] = ()
    #: rows are on every tab whose header names the boundary column and a value column (a
    #: target file: one tab per district; layout.is_data_tab), not on `data_sheet` alone;
    #: their row numbers are places across tabs (layout.place)
    across_tabs: bool = False

    @property
    def written_columns(self) -> tuple[str, ...]:
        """Columns the processed file fills besides the status columns."""
        own = (self.id_column,) if self.id_column else ()
        return own + tuple(self.output_columns.values())


FACILITY = SheetSpec(
    resource_type="facility",
    schema_identifier="facility.all",
    data_sheet="HCM_ADMIN_CONSOLE_FACILITIES",
    id_column="HCM_ADMIN_CONSOLE_FACILITY_CODE",
    unique_columns=("HCM_ADMIN_CONSOLE_FACILITY_NAME",),
    boundary_column=BOUNDARY_CODE_COLUMN,
    usage_column="HCM_ADMIN_CONSOLE_FACILITY_USAGE",
    registered_columns=("HCM_ADMIN_CONSOLE_FACILITY_NAME",),
    fields=MappingProxyType(
        {
            "name": "HCM_ADMIN_CONSOLE_FACILITY_NAME",
            "facilityType": "HCM_ADMIN_CONSOLE_FACILITY_TYPE",
            "status": "HCM_ADMIN_CONSOLE_FACILITY_STATUS",
            "capacity": "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY",
        }
    ),
)

USER = SheetSpec(
    resource_type="user",
    schema_identifier="user.all",
    data_sheet="HCM_ADMIN_CONSOLE_USER_LIST",
    id_column="HCM_ADMIN_CONSOLE_USER_UUID",
    output_columns=MappingProxyType(
        {
            "username": "HCM_ADMIN_CONSOLE_USER_USERNAME",
            "password": "HCM_ADMIN_CONSOLE_USER_PASSWORD",
        }
    ),
    secret_outputs=("password",),
    unique_columns=("HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER",),
    boundary_column=BOUNDARY_CODE_COLUMN,
    usage_column="HCM_ADMIN_CONSOLE_USER_USAGE",
    phone_column="HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER",
    registered_columns=("HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER",),
    fields=MappingProxyType(
        {
            "name": "HCM_ADMIN_CONSOLE_USER_NAME",
            "roles": "HCM_ADMIN_CONSOLE_USER_ROLE",
            "employmentType": "HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE",
        }
    ),
)

BOUNDARY = SheetSpec(
    resource_type="boundary",
    schema_identifier="boundary.all",
    data_sheet=BOUNDARY_SHEET,
    levels=(
        ("ADMIN_COUNTRY", "Country"),
        ("ADMIN_PROVINCE", "Province"),
        ("ADMIN_DISTRICT", "District"),
        ("ADMIN_LOCALITY", "Locality"),
    ),
)

BOUNDARY_WITH_TARGET = SheetSpec(
    resource_type="boundaryWithTarget",
    schema_identifier="boundaryWithTarget.all",
    data_sheet="HCM_ADMIN_CONSOLE_TARGETS",
    unique_columns=(BOUNDARY_CODE_COLUMN,),
    boundary_column=BOUNDARY_CODE_COLUMN,
    multiple_boundaries=False,
    across_tabs=True,
)

SPECS: Mapping[str, SheetSpec] = MappingProxyType(
    {spec.resource_type: spec for spec in (FACILITY, USER, BOUNDARY, BOUNDARY_WITH_TARGET)}
)


def spec_for(resource_type: str) -> SheetSpec:
    try:
        return SPECS[resource_type]
    except KeyError:
        raise InvalidRequestError(
            f"Unknown resource type '{resource_type}'; expected one of {', '.join(SPECS)}",
            code="UNKNOWN_RESOURCE_TYPE",
        ) from None


def bind(spec: SheetSpec, json_schema: Mapping[str, Any]) -> tuple[SheetSpec, dict[str, Any]]:
    """The spec with every column named as the schema names it, and the schema with the
    service's own id column (hidden, frozen) when the schema does not list it.

    The schema says which columns a sheet has; the spec only says what they are for. A
    column the rows cannot do without (a field, the phone, the boundary codes) that the
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


def split_codes(text: str) -> list[str]:
    """Comma-separated values, trimmed, without blanks or repeats, in their order."""
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def normalise_phone(value: Any) -> str:
    """The phone as digits with leading zeros removed (`0098 76` -> `9876`, 9876.0 -> `9876`)."""
    return cell_text(value).lstrip("0")


def boundary_code(names: Sequence[str]) -> str:
    """A stable code for the boundary at the end of a path of names (top level first).

    Readable (the name, upper case, ASCII) and unique per path (a short digest of the
    whole path, compared case- and whitespace-insensitively, like uniqueness in a file).
    """
    ascii_name = unicodedata.normalize("NFKD", names[-1]).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Z0-9]+", "_", ascii_name.upper()).strip("_")[:24] or "BOUNDARY"
    path = "/".join(normalise_text(name) for name in names)
    return f"{slug}_{hashlib.sha256(path.encode()).hexdigest()[:6].upper()}"


def boundary_path(spec: SheetSpec, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(boundary type, name) of the filled level columns, top first."""
    return [
        (level, str(values[column]))
        for column, level in spec.levels
        if values.get(column) not in (None, "")
    ]


def tab_value_columns(spec: SheetSpec, json_schema: Mapping[str, Any]) -> list[str]:
    """The columns of a file read across tabs besides its key and id: a target file's
    targets, in schema order (see SheetSpec.across_tabs)."""
    columns = json_schema.get("x-columns") or list(json_schema["properties"])
    return [column for column in columns if column not in (spec.boundary_column, spec.id_column)]


def to_canonical(
    spec: SheetSpec, values: Mapping[str, Any], *, target_columns: Iterable[str] = ()
) -> dict[str, Any]:
    """The fields a target consumes, from a validated row (values already coerced).

    `target_columns` are the numeric columns of the schema, the targets of a
    boundaryWithTarget row.
    """
    match spec.resource_type:
        case "facility":
            return _facility(spec, values)
        case "user":
            return _user(spec, values)
        case "boundary":
            return _boundary(spec, values)
        case "boundaryWithTarget":
            return _boundary_with_target(spec, values, target_columns)
    raise ValueError(f"no canonical form for {spec.resource_type!r}")


def _facility(spec: SheetSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    fields = spec.fields
    return {
        "name": values[fields["name"]],
        "facilityType": values[fields["facilityType"]],
        "isPermanent": values[fields["status"]] == PERMANENT,
        "capacity": values[fields["capacity"]],
        "boundaryCodes": _codes(spec, values),
        "usage": _usage(spec, values),
    }


def _user(spec: SheetSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    fields = spec.fields
    assert spec.phone_column is not None
    roles = values[fields["roles"]]
    return {
        "name": values[fields["name"]],
        "phone": normalise_phone(values[spec.phone_column]),
        "roles": list(roles) if isinstance(roles, list | tuple) else split_codes(str(roles)),
        "employmentType": values[fields["employmentType"]],
        "boundaryCodes": _codes(spec, values),
        "usage": _usage(spec, values),
    }


def _boundary(spec: SheetSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    path = boundary_path(spec, values)
    names = [name for _, name in path]
    return {
        "code": boundary_code(names),
        "name": names[-1],
        "boundaryType": path[-1][0],
        "parentCode": boundary_code(names[:-1]) if len(names) > 1 else None,
    }


def _boundary_with_target(
    spec: SheetSpec, values: Mapping[str, Any], target_columns: Iterable[str]
) -> dict[str, Any]:
    assert spec.boundary_column is not None
    return {
        "boundaryCode": str(values[spec.boundary_column]).strip(),
        "targets": {column: values[column] for column in target_columns if column in values},
    }


def _codes(spec: SheetSpec, values: Mapping[str, Any]) -> list[str]:
    assert spec.boundary_column is not None
    return split_codes(str(values[spec.boundary_column]))


def _usage(spec: SheetSpec, values: Mapping[str, Any]) -> str:
    # The original's user records have no usage column: every row is active.
    if spec.usage_column is None:
        return ACTIVE
    return str(values.get(spec.usage_column) or ACTIVE)
