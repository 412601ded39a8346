"""The canonical fields of a validated row: what the targets consume, so no target ever
sees a sheet header. One case per resource type (`to_canonical`)."""

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from operator import itemgetter
from typing import Any

from project_factory.sheets.boundary_paths import boundary_code, boundary_path
from project_factory.sheets.cells import cell_text, split_codes
from project_factory.sheets.spec import ACTIVE, PERMANENT, SheetSpec

#: A validated row's values (already coerced) -> the fields a target consumes.
Canonical = Callable[[Mapping[str, Any]], dict[str, Any]]


def to_canonical(
    spec: SheetSpec, values: Mapping[str, Any], *, target_columns: Iterable[str] = ()
) -> dict[str, Any]:
    """The fields a target consumes, from a validated row (values already coerced).

    `target_columns` are the numeric columns of the schema, the targets of a
    boundaryWithTarget row.
    """
    return canonical_of(spec, target_columns=target_columns)(values)


def canonical_of(spec: SheetSpec, *, target_columns: Iterable[str] = ()) -> Canonical:
    """`to_canonical` for the rows of one file, its columns looked up once."""
    match spec.resource_type:
        case "facility":
            return _facility_of(spec)
        case "user":
            return lambda values: _user(spec, values)
        case "boundary":
            return lambda values: _boundary(spec, values)
        case "boundaryWithTarget":
            columns = tuple(target_columns)
            return lambda values: _boundary_with_target(spec, values, columns)
    return partial(_no_canonical_form, spec)


def _no_canonical_form(spec: SheetSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    raise ValueError(f"no canonical form for {spec.resource_type!r}")


#: The facility fields taken from the row's columns (SheetSpec.fields), in this order.
_FACILITY_FIELDS = ("name", "facilityType", "status", "capacity")


def normalise_phone(value: Any) -> str:
    """The phone as digits with leading zeros removed (`0098 76` -> `9876`, 9876.0 -> `9876`)."""
    return cell_text(value).lstrip("0")


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


def _facility_of(spec: SheetSpec) -> Canonical:
    """`_facility` with the spec's columns looked up once (most files are facilities)."""
    fields = spec.fields
    boundary, usage = spec.boundary_column, spec.usage_column
    if boundary is None or not fields.keys() >= set(_FACILITY_FIELDS):
        # A spec short of a column fails on its first valid row, as it always did.
        return lambda values: _facility(spec, values)
    # The columns as one C call a row (itemgetter), the one code of most cells split here.
    taken = itemgetter(*(fields[field] for field in _FACILITY_FIELDS), boundary)

    def facility(values: Mapping[str, Any]) -> dict[str, Any]:
        name, kind, status, capacity, codes = taken(values)
        if type(codes) is str and "," not in codes:
            # split_codes of one code, without its call.
            code = codes.strip()
            boundary_codes = [code] if code else []
        else:
            boundary_codes = split_codes(str(codes))
        return {
            "name": name,
            "facilityType": kind,
            "isPermanent": status == PERMANENT,
            "capacity": capacity,
            "boundaryCodes": boundary_codes,
            "usage": str(values.get(usage) or ACTIVE) if usage is not None else ACTIVE,
        }

    return facility


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
