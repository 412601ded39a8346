"""Campaigns and a boundary change in an ongoing campaign: the child campaign's event, the
three regenerations, duplicates and refusals, through the real rule and state machines."""

import io
import json

import pytest
from openpyxl import load_workbook

from local.samples import workbook_from_rows
from project_factory.sheets.spec import FACILITY, USER
from tests.support.api import ProjectFactoryClient
from tests.support.checks import header, processed_rows, registry_entities
from tests.support.libreoffice import requires_soffice, resave

PARENT_DISTRICTS = ["SHADI_A11E8E", "NERAGE_866B43"]
NEW_DISTRICTS = ["KOLO_F765D1", "MASUHI_7AB991"]
TYPES = ("boundary", "facilityWithBoundary", "userWithBoundary")


def _district(code):
    return {"code": code, "type": "District", "includeAllChildren": True}


def _localities(district, count):
    from project_factory.adapters.boundary_source import BundledBoundarySource

    every = BundledBoundarySource().boundaries("mz", "ADMIN")
    return [b.code for b in every if b.parent == district][:count]


def _created(client, spec, rows, campaign_id):
    file_store_id = client.upload(workbook_from_rows(spec, rows))
    answer = client.create(file_store_id, spec.resource_type, campaignId=campaign_id)
    assert answer.status_code == 200, answer.text
    resource = client.wait_until_final(answer.json()["ResourceDetails"]["id"])
    assert resource["status"] == "created", resource["additionalDetails"]
    return resource


@pytest.fixture
def parent(client, stack):
    """A parent campaign over two districts, with 3 facilities and 3 users created."""
    answer = client.campaign(
        "create",
        {
            "name": "Bednets 2026",
            "hierarchyType": "ADMIN",
            "boundaries": [_district(c) for c in PARENT_DISTRICTS],
        },
    )
    assert answer.status_code == 200, answer.text
    campaign = answer.json()["CampaignDetails"]
    codes = _localities(PARENT_DISTRICTS[0], 3)
    facilities = [
        {
            "HCM_ADMIN_CONSOLE_FACILITY_NAME": f"Parent Store {n}",
            "HCM_ADMIN_CONSOLE_FACILITY_TYPE": "Warehouse",
            "HCM_ADMIN_CONSOLE_FACILITY_STATUS": "Permanent",
            "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY": 100 + n,
            "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": code,
            "HCM_ADMIN_CONSOLE_FACILITY_USAGE": "Active",
        }
        for n, code in enumerate(codes)
    ]
    users = [
        {
            "HCM_ADMIN_CONSOLE_USER_NAME": f"Parent User {n}",
            "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": 9100000000 + n,
            "HCM_ADMIN_CONSOLE_USER_ROLE": "Distributor",
            "HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE": "Temporary",
            "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": code,
            "HCM_ADMIN_CONSOLE_USER_USAGE": "Active",
        }
        for n, code in enumerate(codes)
    ]
    _created(client, FACILITY, facilities, campaign["id"])
    _created(client, USER, users, campaign["id"])
    return campaign


def _generations(stack, tenant, template_type, campaign_id):
    table = stack.client("dynamodb")
    items = table.query(
        TableName=stack.physical_id("GeneratedTable"),
        IndexName="byTemplate",
        KeyConditionExpression="templateKey = :k",
        ExpressionAttributeValues={":k": {"S": f"{tenant}#{template_type}#ADMIN#{campaign_id}"}},
    )["Items"]
    return items


def _child(client, stack, parent):
    answer = client.campaign(
        "create",
        {
            "name": "Bednets 2026, wave 2",
            "hierarchyType": "ADMIN",
            "parentId": parent["id"],
            "boundaries": [_district(c) for c in NEW_DISTRICTS],
        },
    )
    assert answer.status_code == 200, answer.text
    stack.settle()
    return answer.json()["CampaignDetails"]


def _template(client, template_type, campaign_id):
    [row] = client.download_template(template_type, campaignId=campaign_id).json()[
        "GeneratedResource"
    ]
    done = client.wait_until_generated(template_type, row["id"], campaignId=campaign_id)
    assert done["status"] == "completed", done["additionalDetails"]
    return load_workbook(io.BytesIO(client.download(done["fileStoreId"])))


def test_a_child_campaign_gets_three_templates_with_the_parents_rows_frozen(client, stack, parent):
    # When a child campaign adds two new districts to the parent
    child = _child(client, stack, parent)
    # Then the event regenerated each template type for the child
    books = {
        template_type: _template(client, template_type, child["id"]) for template_type in TYPES
    }
    new_localities = set(_localities(NEW_DISTRICTS[0], 50))
    for template_type, spec, key in (
        ("facilityWithBoundary", FACILITY, "HCM_ADMIN_CONSOLE_FACILITY_NAME"),
        ("userWithBoundary", USER, "HCM_ADMIN_CONSOLE_USER_NAME"),
    ):
        sheet = books[template_type][header(spec.data_sheet)]
        columns = {cell.value: cell.column_letter for cell in sheet[1]}
        # the parent's three rows come first, every cell locked but the fresh boundary column
        assert [sheet[f"{columns[header(key)]}{row}"].value for row in (2, 3, 4)] == [
            f"Parent {'Store' if spec is FACILITY else 'User'} {n}" for n in range(3)
        ]
        assert all(sheet[f"{columns[header(key)]}{row}"].protection.locked for row in (2, 3, 4))
        assert not sheet[f"{columns[header('HCM_ADMIN_CONSOLE_BOUNDARY_CODE')]}2"].protection.locked
        # the old boundary codes are kept, hidden, as ..._OLD
        old = columns[header("HCM_ADMIN_CONSOLE_BOUNDARY_CODE_OLD")]
        assert sheet.column_dimensions[old].hidden
        assert sheet[f"{old}2"].value == _localities(PARENT_DISTRICTS[0], 1)[0]
        assert sheet.protection.sheet
        # and the boundary sheet lists the new districts' localities too
        boundary_sheet = books[template_type][header("HCM_ADMIN_CONSOLE_BOUNDARY_DATA")]
        listed = {cell.value for row in boundary_sheet.iter_rows() for cell in row}
        assert new_localities <= listed


def test_the_filled_child_template_creates_only_the_new_rows(client, stack, parent):
    # Given the child's facility template, with one new facility in a new district
    child = _child(client, stack, parent)
    book = _template(client, "facilityWithBoundary", child["id"])
    sheet = book[header(FACILITY.data_sheet)]
    columns = {cell.value: cell.column for cell in sheet[1]}
    new = {
        "HCM_ADMIN_CONSOLE_FACILITY_NAME": "Kolo Depot",
        "HCM_ADMIN_CONSOLE_FACILITY_TYPE": "Warehouse",
        "HCM_ADMIN_CONSOLE_FACILITY_STATUS": "Temporary",
        "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY": 50,
        "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": _localities(NEW_DISTRICTS[0], 1)[0],
        "HCM_ADMIN_CONSOLE_FACILITY_USAGE": "Active",
    }
    name_column = columns[header("HCM_ADMIN_CONSOLE_FACILITY_NAME")]
    free_row = next(row for row in range(2, 5000) if sheet.cell(row, name_column).value is None)
    for code, value in new.items():
        sheet.cell(row=free_row, column=columns[header(code)], value=value)
    filled = io.BytesIO()
    book.save(filled)
    # When it is uploaded for the child campaign
    accepted = client.create(client.upload(filled.getvalue()), "facility", campaignId=child["id"])
    resource = client.wait_until_final(accepted.json()["ResourceDetails"]["id"])
    # Then only the new row is created; the parent's rows keep their ids and are skipped
    assert resource["status"] == "created", resource["additionalDetails"]
    processed = processed_rows(client, resource, FACILITY)
    statuses = {
        row[header("HCM_ADMIN_CONSOLE_FACILITY_NAME")]: row["#status#"] for row in processed
    }
    assert statuses["Kolo Depot"] == "CREATED"
    assert [statuses[f"Parent Store {n}"] for n in range(3)] == ["SKIPPED"] * 3
    assert all(row[header("HCM_ADMIN_CONSOLE_FACILITY_CODE")] for row in processed)
    assert resource["additionalDetails"]["counts"]["created"] == 1


@pytest.mark.parametrize(
    "saved_by", ["openpyxl", pytest.param("LibreOffice", marks=requires_soffice)]
)
def test_a_frozen_cell_edited_with_the_protection_removed_is_refused(
    client, stack, parent, saved_by
):
    # Given the child's facility template with its sheet protection removed, a frozen
    # capacity changed and another frozen row moved to a new boundary (the one open cell),
    # saved again by a spreadsheet program
    child = _child(client, stack, parent)
    book = _template(client, "facilityWithBoundary", child["id"])
    sheet = book[header(FACILITY.data_sheet)]
    sheet.protection.sheet = False
    columns = {cell.value: cell.column for cell in sheet[1]}
    capacity = columns[header("HCM_ADMIN_CONSOLE_FACILITY_CAPACITY")]
    assert sheet.cell(3, capacity).value == 101
    sheet.cell(3, capacity, value=9999)
    moved_to = _localities(NEW_DISTRICTS[0], 1)[0]
    sheet.cell(4, columns[header("HCM_ADMIN_CONSOLE_BOUNDARY_CODE")], value=moved_to)
    edited = io.BytesIO()
    book.save(edited)
    upload = resave(edited.getvalue()) if saved_by == "LibreOffice" else edited.getvalue()
    # When it is uploaded for the child campaign
    accepted = client.create(client.upload(upload), "facility", campaignId=child["id"])
    resource = client.wait_until_final(accepted.json()["ResourceDetails"]["id"])
    # Then the tampered row is INVALID, naming the code, the column and the old value, and
    # nothing is changed; the moved row and the untouched one are not refused
    assert resource["status"] == "invalid", resource["additionalDetails"]
    processed = {
        row[header("HCM_ADMIN_CONSOLE_FACILITY_NAME")]: row
        for row in processed_rows(client, resource, FACILITY)
    }
    tampered = processed["Parent Store 1"]
    assert tampered["#status#"] == "INVALID"
    assert "IMMUTABLE_CELL_TAMPERED" in tampered["#errorDetails#"]
    assert "Capacity" in tampered["#errorDetails#"] and "“101”" in tampered["#errorDetails#"]
    assert processed["Parent Store 0"]["#status#"] == "SKIPPED"
    # (the moved row would be an update of its boundary; the file is invalid, so not yet)
    assert processed["Parent Store 2"]["#status#"] == "VALID"
    assert processed["Parent Store 2"]["#errorDetails#"].startswith(
        "Valid, but its record not changed"
    )
    assert resource["additionalDetails"]["counts"]["created"] == 0
    [error] = resource["additionalDetails"]["rowErrors"]
    assert error["row"] == 3


def test_a_frozen_row_moved_to_a_new_boundary_updates_its_record(client, stack, parent):
    # Given the child's facility template with a parent's row moved to a new locality
    # (the one cell a frozen row leaves open)
    child = _child(client, stack, parent)
    book = _template(client, "facilityWithBoundary", child["id"])
    sheet = book[header(FACILITY.data_sheet)]
    columns = {cell.value: cell.column for cell in sheet[1]}
    moved_to = _localities(NEW_DISTRICTS[0], 1)[0]
    sheet.cell(2, columns[header("HCM_ADMIN_CONSOLE_BOUNDARY_CODE")], value=moved_to)
    filled = io.BytesIO()
    book.save(filled)
    # When it is uploaded for the child campaign
    accepted = client.create(client.upload(filled.getvalue()), "facility", campaignId=child["id"])
    resource = client.wait_until_final(accepted.json()["ResourceDetails"]["id"])
    # Then that row updates its record's boundary (the same id); the others are skipped
    assert resource["status"] == "created", resource["additionalDetails"]
    rows = {
        row[header("HCM_ADMIN_CONSOLE_FACILITY_NAME")]: row
        for row in processed_rows(client, resource, FACILITY)
    }
    assert [rows[f"Parent Store {n}"]["#status#"] for n in range(3)] == [
        "UPDATED",
        "SKIPPED",
        "SKIPPED",
    ]
    entities = {e["name"]: e for e in registry_entities(stack, client.tenant_id, "facility")}
    assert entities["Parent Store 0"]["boundaryCodes"] == [moved_to]
    assert len(entities) == 3


def test_a_child_whose_parent_has_no_processed_file_gets_a_failed_generation(client, stack):
    # Given a parent campaign that never created users
    lonely = client.campaign(
        "create",
        {"name": "Empty", "hierarchyType": "ADMIN", "boundaries": [_district(PARENT_DISTRICTS[1])]},
    ).json()["CampaignDetails"]
    # When a child campaign is created under it
    child = _child(client, stack, lonely)
    # Then its user template generation failed, saying the parent's file is missing
    [row] = client.download_template("userWithBoundary", campaignId=child["id"]).json()[
        "GeneratedResource"
    ]
    done = client.wait_until_generated("userWithBoundary", row["id"], campaignId=child["id"])
    assert done["status"] == "failed"
    assert done["additionalDetails"]["error"]["code"] == "PARENT_FILE_NOT_FOUND"
    assert lonely["id"] in done["additionalDetails"]["error"]["message"]


def test_a_child_that_repeats_a_parent_boundary_is_refused(client, parent):
    # When a child campaign lists a district its parent already covers
    answer = client.campaign(
        "create",
        {
            "name": "Again",
            "hierarchyType": "ADMIN",
            "parentId": parent["id"],
            "boundaries": [_district(PARENT_DISTRICTS[0])],
        },
    )
    # Then it is a 400 that names the boundary
    assert answer.status_code == 400
    assert answer.json()["Errors"][0]["code"] == "BOUNDARY_IN_PARENT"
    assert PARENT_DISTRICTS[0] in answer.json()["Errors"][0]["message"]


def test_a_child_that_adds_a_root_is_refused(client, parent):
    # When a child campaign adds a root boundary
    root = {"code": NEW_DISTRICTS[0], "type": "District", "isRoot": True}
    answer = client.campaign(
        "create",
        {
            "name": "Rooted",
            "hierarchyType": "ADMIN",
            "parentId": parent["id"],
            "boundaries": [root],
        },
    )
    # Then it is refused
    assert answer.status_code == 400
    assert answer.json()["Errors"][0]["code"] == "ROOT_NOT_ALLOWED"


def test_the_same_event_delivered_twice_starts_each_generation_once(client, stack):
    # Given a campaign and a CampaignBoundariesChanged event for it
    campaign = client.campaign(
        "create",
        {"name": "Solo", "hierarchyType": "ADMIN", "boundaries": [_district(NEW_DISTRICTS[1])]},
    ).json()["CampaignDetails"]
    event = {
        "version": "0",
        "id": "7f0e2c1a-0000-4000-8000-000000000001",
        "source": "project-factory.campaigns",
        "detail-type": "CampaignBoundariesChanged",
        "account": "123456789012",
        "time": "2026-11-28T12:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "tenantId": client.tenant_id,
            "campaignId": campaign["id"],
            "parentCampaignId": None,
            "hierarchyType": "ADMIN",
            "addedBoundaries": [_district(NEW_DISTRICTS[1])],
        },
    }
    function = stack.physical_id("BoundaryChangeFunction")
    # When EventBridge delivers it twice
    answers = [
        json.loads(
            stack.client("lambda")
            .invoke(FunctionName=function, Payload=json.dumps(event))["Payload"]
            .read()
        )
        for _ in range(2)
    ]
    # Then both deliveries name the same three generations, and only three exist
    assert answers[0] == answers[1] and len(answers[0]["generated"]) == 3
    for template_type in TYPES:
        assert len(_generations(stack, client.tenant_id, template_type, campaign["id"])) == 1


def test_campaigns_are_found_by_id_within_their_tenant(client, parent):
    # When the parent is searched by its tenant, and by another tenant's admin
    mine = client.campaign("search", {"ids": [parent["id"]]}).json()["CampaignDetails"]
    elsewhere = ProjectFactoryClient(client.base_url, "elsewhere")
    other = elsewhere.campaign("search", {"ids": [parent["id"]]}).json()["CampaignDetails"]
    # Then only its own tenant finds it (and the caller may not search a tenant not its own)
    assert [c["id"] for c in mine] == [parent["id"]] and other == []
    refused = client.campaign("search", {"tenantId": "elsewhere", "ids": [parent["id"]]})
    assert refused.status_code == 403
    assert refused.json()["Errors"][0]["code"] == "TENANT_FORBIDDEN"
