"""A facility both ways: canonical fields to the facility service's Facility, and back.

canonical       Facility (health-services-models models/facility/Facility.java)
name            name
facilityType    usage            DIGIT's "usage" is the facility type
isPermanent     isPermanent
capacity        storageCapacity  an Integer
boundaryCodes   additionalFields `boundaryCodes` (every code, comma-separated), and
                address.locality.code (the first: the service keeps one locality)
usage           additionalFields `usage` (Active / Inactive): ours, not the service's;
                a facility without one is active
"""

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from project_factory.adapters.targets.digit.record_changes import ACTIVE
from project_factory.domain.target_calls import PendingRow


def facility_body(tenant_id: str, row: PendingRow) -> dict[str, Any]:
    """The Facility a create row sends (bulk create)."""
    data = row.data
    codes = [str(code) for code in data.get("boundaryCodes") or []]
    facility: dict[str, Any] = {
        "tenantId": tenant_id,
        "clientReferenceId": row.client_ref,
        "name": data.get("name"),
        "isPermanent": bool(data.get("isPermanent")),
        "usage": data.get("facilityType"),
        "storageCapacity": whole(data.get("capacity")),
        "additionalFields": additional_fields(codes, data.get("usage")),
    }
    if codes:
        facility["address"] = {"tenantId": tenant_id, "locality": {"code": codes[0]}}
    return facility


def canonical_facility(facility: Mapping[str, Any]) -> dict[str, Any]:
    """A facility of the service as the canonical fields `facility_body` sent, and its id
    (our usage left out: see `facility_record`)."""
    return {
        "id": str(facility.get("id")),
        "name": facility.get("name"),
        "facilityType": facility.get("usage"),
        "isPermanent": bool(facility.get("isPermanent")),
        "capacity": facility.get("storageCapacity"),
        "boundaryCodes": _boundary_codes(facility),
    }


def _boundary_codes(facility: Mapping[str, Any]) -> list[str]:
    """A facility's boundary codes: additionalFields `boundaryCodes` when it has them, else
    its address's locality (a facility created by someone else keeps only that one)."""
    listed = _additional_value(facility, "boundaryCodes")
    locality = ((facility.get("address") or {}).get("locality") or {}).get("code")
    return [code for code in str(listed or locality or "").split(",") if code]


def _additional_value(facility: Mapping[str, Any], key: str) -> Any:
    """The value of one key of a facility's additionalFields, None without it."""
    extra = (facility.get("additionalFields") or {}).get("fields") or []
    return next((item.get("value") for item in extra if item.get("key") == key), None)


def facility_record(facility: Mapping[str, Any]) -> dict[str, Any]:
    """A facility as a record (RecordKeeper.records): its canonical fields with our usage,
    and the rowVersion an update of it must carry."""
    return canonical_facility(facility) | {
        "usage": usage_of(facility),
        "rowVersion": facility.get("rowVersion"),
    }


def merged_facility(tenant_id: str, stored: Mapping[str, Any], row: PendingRow) -> dict[str, Any]:
    """The stored facility with a change row's fields merged in: its id, clientReferenceId,
    rowVersion, address id and other additional fields kept, as `/v1/_update` needs them
    (every field it writes is overwritten by what is sent: facility-persister.yml
    update-facility writes name, usage, storageCapacity, additionalFields, address,
    isPermanent; FRowVersionValidator compares rowVersion with the stored one)."""
    wanted = facility_record(stored) | row.changes
    codes = [str(code) for code in wanted.get("boundaryCodes") or []]
    body = copy.deepcopy(dict(stored))
    body |= {
        "tenantId": stored.get("tenantId") or tenant_id,
        "name": wanted.get("name"),
        "isPermanent": bool(wanted.get("isPermanent")),
        "usage": wanted.get("facilityType"),
        "storageCapacity": whole(wanted.get("capacity")),
        "additionalFields": additional_fields(
            codes, wanted.get("usage"), stored.get("additionalFields")
        ),
        # Refused on update (FIsDeletedValidator, IS_DELETED_TRUE): never sent true.
        "isDeleted": False,
    }
    address = dict(stored.get("address") or {})
    if codes and (address.get("locality") or {}).get("code") != codes[0]:
        # The stored address keeps its id (FacilityEnrichmentService.update gives an address
        # without one a new id); its locality is the first code, as on create.
        body["address"] = {"tenantId": tenant_id} | address | {"locality": {"code": codes[0]}}
    return body


def additional_fields(
    codes: Sequence[str], usage: Any, stored: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """additionalFields {schema, version, fields: [{key, value}]} (health-services-models
    models/AdditionalFields.java, Field.java): every boundary code and our usage; the other
    keys of a stored one kept."""
    ours = {"boundaryCodes": ",".join(codes), "usage": str(usage or ACTIVE)}
    stored = stored or {}
    kept = [
        dict(item)
        for item in stored.get("fields") or []
        if isinstance(item, Mapping) and item.get("key") not in ours
    ]
    return {
        "schema": stored.get("schema") or "Facility",
        "version": stored.get("version") or 1,
        "fields": [{"key": key, "value": value} for key, value in ours.items()] + kept,
    }


def usage_of(facility: Mapping[str, Any]) -> str:
    """Our usage of a facility: additionalFields `usage`, Active without one (a facility
    created before usage travelled there, or by someone else)."""
    value = _additional_value(facility, "usage")
    return str(value) if value else ACTIVE


def name_key(name: Any) -> str:
    """A facility's name as claimed: names differing by case or spacing are one facility."""
    return str(name or "").strip().lower()


def whole(number: Any) -> Any:
    """storageCapacity is an Integer in DIGIT; a fractional capacity is left for it to refuse."""
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number
