"""Rows that carry an id change their record (#13): a facility's capacity and a user's
boundary updated in the built-in registry, a record deactivated, unchanged rows skipped,
and a retried file applying each change once."""

import io

import pytest
from openpyxl import load_workbook

from local.fault_injection import CRASH, THROTTLE, MotoFaults
from local.lambdas import set_fault_hook
from local.samples import workbook_from_rows
from project_factory.adapters.boundary_source import BundledBoundarySource
from project_factory.sheets.spec import FACILITY, USER
from tests.support.checks import header, processed_rows, registry_entities
from tests.support.record_edits import (
    BOUNDARY,
    CAPACITY,
    FACILITY_ID,
    FACILITY_USAGE,
    NAME,
    USER_NAME,
    edited,
    facilities,
    locality,
    run_file,
)

SEEDS = {THROTTLE: 22, CRASH: 31}


def test_a_capacity_changed_and_a_facility_retired_are_applied_and_unchanged_rows_skipped(
    client, stack
):
    # Given three facilities created, and their processed file with one capacity changed
    # and one facility marked Inactive
    created = run_file(client, workbook_from_rows(FACILITY, facilities(3)), "facility")
    assert created["status"] == "created", created["additionalDetails"]
    upload = edited(
        client,
        created,
        FACILITY,
        NAME,
        {"Store 0": {CAPACITY: 999}, "Store 1": {FACILITY_USAGE: "Inactive"}},
    )
    # When it is uploaded again
    changed = run_file(client, upload, "facility")
    # Then the capacity is updated, the facility deactivated and the third skipped, each
    # with its id, and the registry holds the new values (no record added)
    assert changed["status"] == "created", changed["additionalDetails"]
    rows = {row[header(NAME)]: row for row in processed_rows(client, changed, FACILITY)}
    assert [rows[f"Store {n}"]["#status#"] for n in range(3)] == [
        "UPDATED",
        "DEACTIVATED",
        "SKIPPED",
    ]
    assert all(rows[f"Store {n}"][header(FACILITY_ID)] for n in range(3))
    counts = changed["additionalDetails"]["counts"]
    assert (counts["updated"], counts["deactivated"], counts["skipped"]) == (1, 1, 1)
    assert counts["created"] == 0
    entities = {e["name"]: e for e in registry_entities(stack, client.tenant_id, "facility")}
    assert len(entities) == 3
    assert int(entities["Store 0"]["capacity"]) == 999
    assert entities["Store 1"]["usage"] == "Inactive"
    assert int(entities["Store 2"]["capacity"]) == 102


def test_a_user_moved_to_another_boundary_is_updated_and_keeps_its_username(client, stack):
    # Given a user created in one locality
    user = {
        USER_NAME: "Amina Mabunda",
        "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": 9123456780,
        "HCM_ADMIN_CONSOLE_USER_ROLE": "Distributor",
        "HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE": "Temporary",
        BOUNDARY: locality(0),
        "HCM_ADMIN_CONSOLE_USER_USAGE": "Active",
    }
    created = run_file(client, workbook_from_rows(USER, [user]), "user")
    assert created["status"] == "created", created["additionalDetails"]
    [before] = registry_entities(stack, client.tenant_id, "user")
    # When its processed file comes back with another boundary
    upload = edited(client, created, USER, USER_NAME, {"Amina Mabunda": {BOUNDARY: locality(1)}})
    changed = run_file(client, upload, "user")
    # Then the user is updated in place: the same id and username, the new boundary
    assert changed["status"] == "created", changed["additionalDetails"]
    [row] = processed_rows(client, changed, USER)
    assert row["#status#"] == "UPDATED"
    [after] = registry_entities(stack, client.tenant_id, "user")
    assert (after["id"], after["username"]) == (before["id"], before["username"])
    assert after["boundaryCodes"] == [locality(1)]


def test_a_row_whose_id_names_no_record_is_invalid(client):
    # Given a facility row carrying an id the registry does not have
    [row] = facilities(1)
    row[FACILITY_ID] = "F-NOWHERE"
    # When it is uploaded
    resource = run_file(client, workbook_from_rows(FACILITY, [row]), "facility")
    # Then the row is invalid, with RECORD_NOT_FOUND, and nothing is created
    assert resource["status"] == "invalid", resource["additionalDetails"]
    [processed] = processed_rows(client, resource, FACILITY)
    assert processed["#errorDetails#"].startswith("RECORD_NOT_FOUND: Facility Code F-NOWHERE")


@pytest.mark.parametrize("kind", [THROTTLE, CRASH])
def test_changes_under_injected_faults_are_each_applied_once(client, stack, kind):
    # Given facilities created, then their processed file with every capacity changed and
    # one facility retired, run while 10% of the registry's calls are throttled (or of the
    # Create invocations die midway), so batches fail and the retry loop comes back
    created = run_file(client, workbook_from_rows(FACILITY, facilities(12)), "facility")
    edits = {f"Store {n}": {CAPACITY: 500 + n} for n in range(11)}
    edits["Store 11"] = {FACILITY_USAGE: "Inactive"}
    upload = edited(client, created, FACILITY, NAME, edits)
    creates_before = stack.runtime.invocations["CreateFunction"]
    faults = MotoFaults(registry_table=stack.physical_id("RegistryTable"))
    set_fault_hook(faults)
    try:
        # Seeds whose draws fail an early call: the run's calls are few (one chunk, one
        # batch) and come in one order, so the fault lands in the Create step.
        faults.inject(kind, rate=0.1, seed=SEEDS[kind])
        changed = run_file(client, upload, "facility")
    finally:
        set_fault_hook(None)
    # Then every row ends once, with its change made, and the registry holds each record
    # once with its new values; faults were injected
    assert faults.injected[kind] > 0
    assert stack.runtime.invocations["CreateFunction"] - creates_before >= 2
    assert changed["status"] == "created", changed["additionalDetails"]
    rows = processed_rows(client, changed, FACILITY)
    assert [row["#status#"] for row in rows] == ["UPDATED"] * 11 + ["DEACTIVATED"]
    entities = registry_entities(stack, client.tenant_id, "facility")
    assert len(entities) == 12
    assert sorted(int(e["capacity"]) for e in entities if e["usage"] == "Active") == [
        500 + n for n in range(11)
    ]
    # And the same changes uploaded again find nothing to do
    again = run_file(client, upload, "facility")
    assert [row["#status#"] for row in processed_rows(client, again, FACILITY)] == ["SKIPPED"] * 12


def test_a_dry_run_reports_the_plan_and_changes_nothing(client, stack):
    # Given facilities created, and their processed file with a capacity changed, one
    # facility retired, one left alone and a new facility added
    created = run_file(client, workbook_from_rows(FACILITY, facilities(3)), "facility")
    book = load_workbook(
        io.BytesIO(
            edited(
                client,
                created,
                FACILITY,
                NAME,
                {"Store 0": {CAPACITY: 999}, "Store 1": {FACILITY_USAGE: "Inactive"}},
            )
        )
    )
    sheet = book[header(FACILITY.data_sheet)]
    columns = {cell.value: cell.column for cell in sheet[1]}
    [new] = facilities(1)
    new[NAME] = "Store New"
    for code, value in new.items():
        sheet.cell(5, columns[header(code)], value=value)
    out = io.BytesIO()
    book.save(out)
    before = registry_entities(stack, client.tenant_id, "facility")
    # When it is validated only
    accepted = client.create(client.upload(out.getvalue()), "facility", action="validate")
    resource = client.wait_until_final(accepted.json()["ResourceDetails"]["id"])
    # Then each row's #plan# says what a create would do, the plan is counted, and the
    # registry is as it was
    assert resource["status"] == "validated", resource["additionalDetails"]
    rows = {row[header(NAME)]: row for row in processed_rows(client, resource, FACILITY)}
    assert {name: row["#plan#"] for name, row in rows.items()} == {
        "Store 0": "update: Capacity",
        "Store 1": "deactivate",
        "Store 2": "skip",
        "Store New": "create",
    }
    assert {row["#status#"] for row in rows.values()} == {"VALID", "SKIPPED"}
    assert resource["additionalDetails"]["plan"] == {
        "update": 1,
        "deactivate": 1,
        "skip": 1,
        "create": 1,
    }
    assert registry_entities(stack, client.tenant_id, "facility") == before


def test_a_campaign_template_with_its_records_updates_them_and_never_duplicates(client, stack):
    # Given a campaign with three facilities created for it
    district = "SHADI_A11E8E"
    answer = client.campaign(
        "create",
        {
            "name": "Bednets 2027",
            "hierarchyType": "ADMIN",
            "boundaries": [{"code": district, "type": "District", "includeAllChildren": True}],
        },
    )
    assert answer.status_code == 200, answer.text
    campaign_id = answer.json()["CampaignDetails"]["id"]
    [locality] = [
        b.code for b in BundledBoundarySource().boundaries("mz", "ADMIN") if b.parent == district
    ][:1]
    rows = facilities(3)
    for row in rows:
        row[BOUNDARY] = locality
    accepted = client.create(
        client.upload(workbook_from_rows(FACILITY, rows)), "facility", campaignId=campaign_id
    )
    created = client.wait_until_final(accepted.json()["ResourceDetails"]["id"])
    assert created["status"] == "created", created["additionalDetails"]
    # When its facility template is generated with its records and one capacity changed
    started = client.generate(
        "facilityWithBoundary", campaign_id=campaign_id, include_existing=True
    ).json()["GeneratedResource"][0]
    done = client.wait_until_generated(
        "facilityWithBoundary", started["id"], campaignId=campaign_id
    )
    assert done["status"] == "completed", done["additionalDetails"]
    book = load_workbook(io.BytesIO(client.download(done["fileStoreId"])))
    sheet = book[header(FACILITY.data_sheet)]
    columns = {cell.value: cell.column for cell in sheet[1]}
    listed = {
        sheet.cell(row, columns[header(NAME)]).value: row
        for row in range(2, 2 + 3)
        if sheet.cell(row, columns[header(FACILITY_ID)]).value
    }
    assert set(listed) == {"Store 0", "Store 1", "Store 2"}
    sheet.cell(listed["Store 2"], columns[header(CAPACITY)], value=4321)
    out = io.BytesIO()
    book.save(out)
    accepted = client.create(client.upload(out.getvalue()), "facility", campaignId=campaign_id)
    changed = client.wait_until_final(accepted.json()["ResourceDetails"]["id"])
    # Then the changed row updates its record and the others are skipped: nothing is
    # created, and the registry still holds three facilities
    assert changed["status"] == "created", changed["additionalDetails"]
    statuses = {
        row[header(NAME)]: row["#status#"] for row in processed_rows(client, changed, FACILITY)
    }
    assert statuses == {"Store 0": "SKIPPED", "Store 1": "SKIPPED", "Store 2": "UPDATED"}
    entities = registry_entities(stack, client.tenant_id, "facility")
    assert len(entities) == 3
    assert {int(e["capacity"]) for e in entities if e["name"] == "Store 2"} == {4321}
