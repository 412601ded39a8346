"""The fake's update side of the records our flows create: projects, facilities, employees.

Over HTTP, in the original services' bodies: projects as the HCM project-factory creates them
(one per boundary, its targets, a link to the parent boundary's project), a facility updated
by id and rowVersion, an employee moved to another boundary and deactivated.
"""

import time
from collections import Counter
from typing import Any

import pytest

from project_factory.adapters.http import JsonHttpClient
from project_factory.errors import UpstreamError
from tests.fakes.digit_server import FakeDigit
from tests.fakes.digit_services import (
    BOUNDARY_CREATE,
    FACILITY_BULK_CREATE,
    FACILITY_BULK_UPDATE,
    FACILITY_SEARCH,
    FACILITY_UPDATE,
    HRMS_CREATE,
    HRMS_SEARCH,
    HRMS_UPDATE,
    PROJECT_CREATE,
    PROJECT_SEARCH,
    PROJECT_UPDATE,
)

TENANT = "mz"
CAMPAIGN = "CMP-2026-01-01-000001"
DAY_MS = 86_400_000
PAGE = {"tenantId": TENANT, "offset": 0, "limit": 100}


# -- helpers ---------------------------------------------------------------------------------


def counters(digit: FakeDigit, kind: str) -> tuple[Counter[str], Counter[str]]:
    """(update requests, applied updates) per record."""
    return digit.update_requests(kind), digit.applied_updates(kind)


def create_boundaries(client: JsonHttpClient, *codes: str) -> None:
    client.post(BOUNDARY_CREATE, {"Boundary": [{"tenantId": TENANT, "code": c} for c in codes]})


def project(boundary: str, boundary_type: str, parent: str | None, **targets: int) -> dict:
    """One boundary's project as the project-factory builds it: the campaign's template
    (enrichProjectDetailsFromCampaignDetails, utils/transforms/projectTypeUtils.ts), then
    buildProjectTemplateForBoundary (address, parent, referenceID, targets)."""
    now = int(time.time() * 1000)
    return {
        "tenantId": TENANT,
        "projectType": "MR-DN",
        "projectSubType": "MR-DN",
        "projectTypeId": "b1107f0c-7a91-4c76-afc2-a279d8a7b76a",
        "department": "MALARIA",
        "description": f"SMC campaign created through Admin Console with Campaign Id as {CAMPAIGN}",
        "name": "SMC 2026",
        "startDate": now + 2 * DAY_MS,
        "endDate": now + 30 * DAY_MS,
        "additionalDetails": {"projectType": {"code": "MR-DN"}, "hierarchyType": "ADMIN"},
        "address": {"tenantId": TENANT, "boundary": boundary, "boundaryType": boundary_type},
        "parent": parent,
        "referenceID": CAMPAIGN,
        "targets": [{"beneficiaryType": kind, "targetNo": n} for kind, n in targets.items()],
    }


def create_project(client: JsonHttpClient, body: dict) -> dict:
    (created,) = client.post(PROJECT_CREATE, {"Projects": [body]})["Project"]
    return created


def search_projects(client: JsonHttpClient, page: dict | None = None, **criteria: Any) -> dict:
    body = {"Projects": [{"tenantId": TENANT, **criteria}]}
    return client.post(PROJECT_SEARCH, body, page or PAGE)


def create_facility(client: JsonHttpClient, ref: str) -> dict:
    item = {
        "clientReferenceId": ref,
        "tenantId": TENANT,
        "name": "Central Warehouse",
        "isPermanent": True,
        "usage": "Warehouse",
        "storageCapacity": 1500,
        "address": {"tenantId": TENANT, "type": "PERMANENT", "locality": {"code": "MZ_ERATI"}},
    }
    client.post(FACILITY_BULK_CREATE, {"Facilities": [item]})
    (found,) = client.post(FACILITY_SEARCH, {"Facility": {"clientReferenceId": [ref]}}, PAGE)[
        "Facilities"
    ]
    return found


def search_facility(client: JsonHttpClient, facility_id: str) -> dict:
    (found,) = client.post(FACILITY_SEARCH, {"Facility": {"id": [facility_id]}}, PAGE)["Facilities"]
    return found


def create_employee(client: JsonHttpClient, code: str, boundary: str) -> dict:
    """An employee as our user target sends it (one jurisdiction), searched back."""
    employee = {
        "tenantId": TENANT,
        "code": code,
        "employeeStatus": "EMPLOYED",
        "employeeType": "TEMPORARY",
        "user": {
            "name": "Ana",
            "mobileNumber": "8100000001",
            "password": "Secret-123",
            "tenantId": TENANT,
            "roles": [{"code": "REGISTRAR", "name": "REGISTRAR", "tenantId": TENANT}],
        },
        "jurisdictions": [
            {
                "hierarchy": "ADMIN",
                "boundaryType": "ADMIN",
                "boundary": boundary,
                "tenantId": TENANT,
            }
        ],
    }
    client.post(HRMS_CREATE, {"Employees": [employee]})
    return search_employee(client, codes=code)


def search_employee(client: JsonHttpClient, **criteria: str) -> dict:
    (found,) = client.post(HRMS_SEARCH, {}, {"tenantId": TENANT, **criteria})["Employees"]
    return found


def refusal(raised: pytest.ExceptionInfo[UpstreamError]) -> list[str]:
    return [error["code"] for error in raised.value.params["errors"]]


# -- projects --------------------------------------------------------------------------------


def test_projects_created_per_boundary_are_found_by_their_campaign_number(client):
    # Given a province's project and its district's, linked to it, as the project-factory
    # creates them level by level
    create_boundaries(client, "MZ_NAMPULA", "MZ_ERATI")
    province = create_project(client, project("MZ_NAMPULA", "Province", None, HOUSEHOLD=900))
    district = create_project(
        client, project("MZ_ERATI", "District", province["id"], HOUSEHOLD=300)
    )

    # When the campaign's projects are searched by referenceID
    answer = search_projects(client, referenceID=CAMPAIGN)

    # Then both come back, each with its boundary, under the answer's singular "Project" key
    assert answer["TotalCount"] == 2
    assert {found["id"]: found["address"]["boundary"] for found in answer["Project"]} == {
        province["id"]: "MZ_NAMPULA",
        district["id"]: "MZ_ERATI",
    }


def test_project_search_by_boundary_finds_that_boundary_s_project(client):
    # Given two boundaries' projects of one campaign
    create_boundaries(client, "MZ_NAMPULA", "MZ_ERATI")
    province = create_project(client, project("MZ_NAMPULA", "Province", None, HOUSEHOLD=900))
    district = create_project(
        client, project("MZ_ERATI", "District", province["id"], HOUSEHOLD=300)
    )

    # When searched as the project-factory adopts a boundary's project (address.boundary and
    # referenceID, limit 1)
    answer = search_projects(
        client,
        {"tenantId": TENANT, "offset": 0, "limit": 1},
        address={"boundary": "MZ_ERATI"},
        referenceID=CAMPAIGN,
    )

    # Then only the district's project is found, its hierarchy under its parent's id
    (found,) = answer["Project"]
    assert found["id"] == district["id"]
    assert found["parent"] == province["id"]
    assert found["projectHierarchy"] == f"{province['id']}.{district['id']}"


def test_project_search_pages_with_limit_and_offset(client):
    # Given three boundaries' projects of one campaign
    create_boundaries(client, "B1", "B2", "B3")
    ids = {
        create_project(client, project(code, "Locality", None))["id"] for code in ("B1", "B2", "B3")
    }

    # When they are read two at a time
    first = search_projects(
        client, {"tenantId": TENANT, "offset": 0, "limit": 2}, referenceID=CAMPAIGN
    )
    second = search_projects(
        client, {"tenantId": TENANT, "offset": 2, "limit": 2}, referenceID=CAMPAIGN
    )

    # Then the pages split the three, each page counting them all
    assert [len(first["Project"]), len(second["Project"])] == [2, 1]
    assert {found["id"] for found in first["Project"] + second["Project"]} == ids
    assert first["TotalCount"] == second["TotalCount"] == 3


def test_project_create_refuses_a_boundary_the_boundary_service_does_not_have(client):
    # Given no boundary entity MZ_UNKNOWN
    # When a project is created for it
    with pytest.raises(UpstreamError) as raised:
        create_project(client, project("MZ_UNKNOWN", "District", None, HOUSEHOLD=1))

    # Then the project service refuses it as its boundary check reports it
    assert refusal(raised) == ["BOUNDARY_SERVICE_SEARCH_ERROR"]


def test_project_targets_updated_keep_their_ids_and_add_the_new_beneficiary(client):
    # Given a district's project with a household target
    create_boundaries(client, "MZ_ERATI")
    created = create_project(client, project("MZ_ERATI", "District", None, HOUSEHOLD=300))
    (household,) = created["targets"]

    # When the project-factory's update flow changes it: the searched project sent back with
    # the household target's new number and a new individual target
    (stored,) = search_projects(client, id=created["id"])["Project"]
    stored["targets"][0]["targetNo"] = 450
    stored["targets"].append({"beneficiaryType": "INDIVIDUAL", "targetNo": 1200})
    client.post(PROJECT_UPDATE, {"Projects": [stored]})

    # Then a search shows the household target changed in place and the new one with an id
    (updated,) = search_projects(client, id=created["id"])["Project"]
    numbers = {t["beneficiaryType"]: (t["id"], t["targetNo"]) for t in updated["targets"]}
    assert numbers["HOUSEHOLD"] == (household["id"], 450)
    assert numbers["INDIVIDUAL"][0]
    assert numbers["INDIVIDUAL"][1] == 1200


def test_project_update_refuses_changed_dates_without_the_cascade_flag(client):
    # Given a project
    create_boundaries(client, "MZ_ERATI")
    created = create_project(client, project("MZ_ERATI", "District", None, HOUSEHOLD=300))

    # When it is sent back with a later end date and no isCascadingProjectDateUpdate
    with pytest.raises(UpstreamError) as raised:
        client.post(
            PROJECT_UPDATE, {"Projects": [created | {"endDate": created["endDate"] + DAY_MS}]}
        )

    # Then the project service refuses the date change
    assert refusal(raised) == ["PROJECT_CASCADE_UPDATE_DATE_ERROR"]


# -- facilities ------------------------------------------------------------------------------


def test_facility_update_is_searched_back_with_the_next_row_version(client):
    # Given a created facility, at rowVersion 1
    facility = create_facility(client, "res1-1")

    # When it is updated with its current rowVersion
    answer = client.post(FACILITY_UPDATE, {"Facility": facility | {"name": "District Store"}})

    # Then the answer and a search both show the change, one rowVersion later
    assert answer["Facility"]["rowVersion"] == 2
    found = search_facility(client, facility["id"])
    assert (found["name"], found["rowVersion"]) == ("District Store", 2)
    assert found["clientReferenceId"] == "res1-1"


def test_facility_update_with_a_stale_row_version_is_refused_and_not_applied(client):
    # Given a facility already updated once (now at rowVersion 2)
    facility = create_facility(client, "res1-1")
    client.post(FACILITY_UPDATE, {"Facility": facility | {"name": "District Store"}})

    # When an update still carrying rowVersion 1 arrives
    with pytest.raises(UpstreamError) as raised:
        client.post(FACILITY_UPDATE, {"Facility": facility | {"name": "Stale Name"}})

    # Then it is refused as the facility service refuses it, and the record keeps the first update
    assert refusal(raised) == ["MISMATCHED_ROW_VERSION"]
    found = search_facility(client, facility["id"])
    assert (found["name"], found["rowVersion"]) == ("District Store", 2)


def test_facility_bulk_update_is_accepted_but_applies_only_current_rows(client):
    # Given two facilities, the second already updated once
    first, second = create_facility(client, "res1-1"), create_facility(client, "res1-2")
    client.post(FACILITY_UPDATE, {"Facility": second | {"name": "Renamed"}})

    # When both are bulk updated with rowVersion 1
    answer = client.post(
        FACILITY_BULK_UPDATE,
        {"Facilities": [first | {"name": "First Store"}, second | {"name": "Stale Name"}]},
    )

    # Then the bulk answer only acknowledges, and only the current row was applied
    assert set(answer) == {"ResponseInfo"}
    assert search_facility(client, first["id"])["name"] == "First Store"
    assert search_facility(client, second["id"])["name"] == "Renamed"


# -- employees -------------------------------------------------------------------------------


def test_employee_moved_to_another_boundary_is_searched_back_there(client):
    # Given an employee attached to MZ_ERATI
    employee = create_employee(client, "res2-1", "MZ_ERATI")
    (old,) = employee["jurisdictions"]

    # When the employee is moved: the old jurisdiction kept but inactive (HRMS never drops one)
    # and an active one added for MZ_RIBAUE
    moved = employee | {
        "reActivateEmployee": False,
        "jurisdictions": [
            old | {"isActive": False},
            {
                "hierarchy": "ADMIN",
                "boundaryType": "ADMIN",
                "boundary": "MZ_RIBAUE",
                "tenantId": TENANT,
            },
        ],
    }
    client.post(HRMS_UPDATE, {"Employees": [moved]})

    # Then a search by uuid shows MZ_RIBAUE as the active jurisdiction, the old one inactive
    found = search_employee(client, uuids=employee["uuid"])
    states = {item["boundary"]: item["isActive"] for item in found["jurisdictions"]}
    assert states == {"MZ_ERATI": False, "MZ_RIBAUE": True}
    assert all(item["id"] for item in found["jurisdictions"])


def test_employee_update_dropping_a_stored_jurisdiction_is_refused(client):
    # Given an employee attached to MZ_ERATI
    employee = create_employee(client, "res2-1", "MZ_ERATI")

    # When an update replaces its jurisdiction by a new one (without the stored id)
    replaced = employee | {
        "reActivateEmployee": False,
        "jurisdictions": [
            {
                "hierarchy": "ADMIN",
                "boundaryType": "ADMIN",
                "boundary": "MZ_RIBAUE",
                "tenantId": TENANT,
            }
        ],
    }
    with pytest.raises(UpstreamError) as raised:
        client.post(HRMS_UPDATE, {"Employees": [replaced]})

    # Then HRMS refuses it, and the employee is still attached to MZ_ERATI
    assert refusal(raised) == ["ERR_HRMS_UPDATE_JURISDICTION_INCOSISTENT"]
    found = search_employee(client, codes="res2-1")
    assert [item["boundary"] for item in found["jurisdictions"]] == ["MZ_ERATI"]


def test_employee_deactivated_is_searched_back_inactive_with_its_details(client):
    # Given an active employee
    employee = create_employee(client, "res2-1", "MZ_ERATI")

    # When it is deactivated as the console does: isActive false, deactivationDetails of today
    details = {
        "reasonForDeactivation": "OTHERS",
        "effectiveFrom": int(time.time() * 1000),
        "orderNo": "ORD-1",
        "remarks": "left the campaign",
    }
    deactivated = employee | {
        "isActive": False,
        "reActivateEmployee": False,
        "deactivationDetails": [details],
    }
    client.post(HRMS_UPDATE, {"Employees": [deactivated]})

    # Then a search for inactive employees finds it, its user inactive, its details given an id
    found = search_employee(client, codes="res2-1", isActive="false")
    assert found["isActive"] is False
    assert found["user"]["active"] is False
    (stored,) = found["deactivationDetails"]
    assert stored["id"]
    assert stored["reasonForDeactivation"] == "OTHERS"


def test_employee_update_without_re_activate_employee_is_refused(digit, client):
    # Given an active employee, searched back
    employee = create_employee(client, "res2-1", "MZ_ERATI")

    # When it is sent back active without reActivateEmployee (which HRMS unboxes)
    with pytest.raises(UpstreamError) as raised:
        client.post(HRMS_UPDATE, {"Employees": [employee]})

    # Then the update fails and nothing was applied
    assert refusal(raised) == ["NullPointerException"]
    assert counters(digit, "employee")[1] == Counter()


# -- counters --------------------------------------------------------------------------------


def test_update_counters_count_requests_and_applied_updates_per_record(digit, client):
    # Given two facilities, the first updated once and then sent again with its stale rowVersion
    first, second = create_facility(client, "res1-1"), create_facility(client, "res1-2")
    client.post(FACILITY_UPDATE, {"Facility": first | {"name": "Renamed"}})
    with pytest.raises(UpstreamError):
        client.post(FACILITY_UPDATE, {"Facility": first | {"name": "Renamed"}})

    # When the update counters are read
    requests, applied = counters(digit, "facility")

    # Then the first facility got two requests and one applied update, the second none
    assert requests == Counter({first["id"]: 2})
    assert applied == Counter({first["id"]: 1})
    assert second["id"] not in requests


def test_update_counters_key_projects_and_employees_by_their_ids(digit, client):
    # Given a project and an employee, each updated once
    create_boundaries(client, "MZ_ERATI")
    created = create_project(client, project("MZ_ERATI", "District", None, HOUSEHOLD=300))
    client.post(PROJECT_UPDATE, {"Projects": [created | {"name": "SMC 2026 (revised)"}]})
    employee = create_employee(client, "res2-1", "MZ_ERATI")
    client.post(HRMS_UPDATE, {"Employees": [employee | {"reActivateEmployee": False}]})

    # When the counters are read
    # Then the project counts under its id and the employee under its uuid
    assert counters(digit, "project") == (Counter({created["id"]: 1}), Counter({created["id"]: 1}))
    assert counters(digit, "employee")[1] == Counter({employee["uuid"]: 1})
