"""What the columns of each resource type's sheet mean: one SheetSpec per type.

The schema says what a valid cell is; a spec says what a column is for: the id column
filled after creation, the output columns, the boundary codes, the usage flag, the
phone. A spec is bound to the schema its sheet has (sheets/spec_binding.py), a validated
row turned into the fields a target consumes by sheets/canonical.py, and a boundary
sheet's rows named and coded by sheets/boundary_paths.py.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from project_factory.domain.resources import ResourceType
from project_factory.errors import InvalidRequestError

ACTIVE = "Active"
INACTIVE = "Inactive"
USAGE_VALUES = (ACTIVE, INACTIVE)
PERMANENT = "Permanent"

README_SHEET = "HCM_README_SHEETNAME"
BOUNDARY_SHEET = "HCM_ADMIN_CONSOLE_BOUNDARY_DATA"
BOUNDARY_CODE_COLUMN = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE"
#: The original's facility and user sheets name the boundary column so; older files, the
#: boundary sheet and target tabs use BOUNDARY_CODE_COLUMN. A spec is bound to whichever
#: the schema has (spec_binding.COLUMN_ALIASES).
BOUNDARY_CODE_MANDATORY_COLUMN = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE_MANDATORY"

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


def tab_value_columns(spec: SheetSpec, json_schema: Mapping[str, Any]) -> list[str]:
    """The columns of a file read across tabs besides its key and id: a target file's
    targets, in schema order (see SheetSpec.across_tabs)."""
    columns = json_schema.get("x-columns") or list(json_schema["properties"])
    return [column for column in columns if column not in (spec.boundary_column, spec.id_column)]
