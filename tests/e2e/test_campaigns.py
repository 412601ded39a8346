"""Campaigns and a boundary change, from outside: a campaign's template, facilities
created for it, a child campaign adding a district, and the child's template with the
parent's rows frozen and the new boundaries offered."""

import pytest

from tests.e2e import workbooks as wb

PARENT_DISTRICT = ("SHADI_A11E8E", "Shadi")
NEW_DISTRICT = ("KOLO_F765D1", "Kolo")
OTHER_DISTRICT = ("NERAGE_866B43", "Nerage")
PARENT_FACILITIES = ["Shadi Depot 1", "Shadi Depot 2", "Shadi Depot 3"]


def _district(code: str) -> dict:
    return {"code": code, "type": "District", "includeAllChildren": True}


def _facility(name: str, code: str) -> dict:
    return {
        wb.FACILITY_NAME: name,
        wb.FACILITY_TYPE: "Warehouse",
        wb.FACILITY_STATUS: "Permanent",
        wb.CAPACITY: 500,
        wb.BOUNDARY_CODE: code,
        wb.FACILITY_USAGE: "Active",
    }


def _campaign_template(integrator, campaign_id: str, *, newer_than: str | None = None) -> tuple:
    """The campaign's facility template as a client gets it: _download polled until its
    latest generation is completed (and not `newer_than`), then fetched through its URL."""
    done = integrator.wait_for_template(
        "facilityWithBoundary", campaign_id=campaign_id, newer_than=newer_than
    )
    assert done["campaignId"] == campaign_id, done
    return done, wb.open_book(integrator.fetch(done["fileStoreId"]))


def _child_campaign(integrator, parent: dict) -> dict:
    """A child of `parent` adding NEW_DISTRICT (its templates are regenerated)."""
    return integrator.create_campaign(
        name="Bednets 2026, wave 2",
        hierarchyType="ADMIN",
        parentId=parent["id"],
        boundaries=[_district(NEW_DISTRICT[0])],
    )


@pytest.fixture
def parent(integrator) -> dict:
    """A campaign over one district, with three facilities created through its template."""
    campaign = integrator.create_campaign(
        name="Bednets 2026", hierarchyType="ADMIN", boundaries=[_district(PARENT_DISTRICT[0])]
    )
    _, book = _campaign_template(integrator, campaign["id"])
    codes = wb.localities(book, PARENT_DISTRICT[1], len(PARENT_FACILITIES))
    wb.fill_rows(
        book,
        wb.FACILITY_NAME,
        [_facility(name, code) for name, code in zip(PARENT_FACILITIES, codes, strict=True)],
    )
    resource = integrator.create_and_wait(
        integrator.upload(wb.save(book)), "facility", campaign_id=campaign["id"]
    )
    assert resource["status"] == "created", resource["additionalDetails"]
    assert resource["campaignId"] == campaign["id"]
    return campaign | {"facilities": resource, "codes": codes}


def test_a_campaign_is_created_found_by_id_and_updated(integrator, served):
    # Given a campaign created over one district
    created = integrator.create_campaign(
        name="Polio round 1", hierarchyType="ADMIN", boundaries=[_district(OTHER_DISTRICT[0])]
    )
    assert created["id"] and created["tenantId"] == integrator.tenant_id
    # When it is renamed and given a second district
    updated = integrator.update_campaign(
        id=created["id"],
        name="Polio round 1 (extended)",
        hierarchyType="ADMIN",
        boundaries=[_district(OTHER_DISTRICT[0]), _district(NEW_DISTRICT[0])],
    )
    # Then a search by id finds it as updated, and only in its own tenant
    [found] = integrator.search_campaigns(created["id"])
    assert found == updated
    assert found["name"] == "Polio round 1 (extended)"
    assert [b["code"] for b in found["boundaries"]] == [OTHER_DISTRICT[0], NEW_DISTRICT[0]]
    assert served.client("mz.e2estranger").search_campaigns(created["id"]) == []


def test_a_campaign_whose_boundaries_grow_gets_a_template_offering_the_new_ones(integrator):
    # Given a campaign over one district and its facility template
    campaign = integrator.create_campaign(
        name="Nets", hierarchyType="ADMIN", boundaries=[_district(OTHER_DISTRICT[0])]
    )
    first, book = _campaign_template(integrator, campaign["id"])
    assert {row["District"] for row in wb.boundary_rows(book)} == {OTHER_DISTRICT[1]}
    # When the campaign is updated with a second district
    integrator.update_campaign(
        id=campaign["id"],
        name="Nets",
        hierarchyType="ADMIN",
        boundaries=[_district(OTHER_DISTRICT[0]), _district(NEW_DISTRICT[0])],
    )
    # Then a new template is generated on its own, offering both districts
    _, regenerated = _campaign_template(integrator, campaign["id"], newer_than=first["id"])
    districts = {row["District"] for row in wb.boundary_rows(regenerated)}
    assert districts == {OTHER_DISTRICT[1], NEW_DISTRICT[1]}
    # and the first generation is expired
    [old] = integrator.download(
        "facilityWithBoundary", campaign_id=campaign["id"], generated_id=first["id"]
    )
    assert old["status"] == "expired", old


def test_a_child_campaign_template_has_the_parents_rows_frozen_and_offers_the_new_boundary(
    integrator, parent
):
    # When a child campaign adds a new district to the parent's
    child = _child_campaign(integrator, parent)
    assert child["parentId"] == parent["id"]
    # Then the child's facility template, polled and fetched, starts with the parent's rows
    done, book = _campaign_template(integrator, child["id"])
    sheet, header_row, columns = wb.data_sheet(book, wb.FACILITY_NAME)
    rows = wb.sheet_rows(wb.save(book), wb.FACILITY_NAME)
    assert [row[wb.FACILITY_NAME] for row in rows] == PARENT_FACILITIES
    # with the ids the parent's creation gave them
    parent_file = wb.sheet_rows(
        integrator.fetch(parent["facilities"]["processedFileStoreId"]), wb.FACILITY_NAME
    )
    assert [row[wb.FACILITY_CODE] for row in rows] == [row[wb.FACILITY_CODE] for row in parent_file]
    # frozen: their cells locked on a protected sheet, but for a fresh boundary column,
    # the former codes kept in a hidden ..._OLD column
    assert sheet.protection.sheet
    for row in rows:
        assert sheet.cell(row["_row"], columns[wb.FACILITY_NAME]).protection.locked
        assert not sheet.cell(row["_row"], columns[wb.BOUNDARY_CODE]).protection.locked
    assert [row[wb.BOUNDARY_CODE_OLD] for row in rows] == parent["codes"]
    old_letter = sheet.cell(header_row, columns[wb.BOUNDARY_CODE_OLD]).column_letter
    assert sheet.column_dimensions[old_letter].hidden
    # and the boundaries it offers include the new district's, beside the parent's
    districts = {row["District"] for row in wb.boundary_rows(book)}
    assert {PARENT_DISTRICT[1], NEW_DISTRICT[1]} <= districts
    assert wb.localities(book, NEW_DISTRICT[1], 1)
    assert done["count"] >= 102, done


def test_the_filled_child_template_creates_only_the_new_rows(integrator, parent):
    # Given the child campaign's template with one new facility in the new district
    child = _child_campaign(integrator, parent)
    _, book = _campaign_template(integrator, child["id"])
    [new_code] = wb.localities(book, NEW_DISTRICT[1], 1)
    wb.fill_rows(book, wb.FACILITY_NAME, [_facility("Kolo Depot", new_code)])
    # When it is uploaded and created for the child
    resource = integrator.create_and_wait(
        integrator.upload(wb.save(book)), "facility", campaign_id=child["id"]
    )
    # Then only the new row is created; the parent's keep their ids and are skipped
    assert resource["status"] == "created", resource["additionalDetails"]
    processed = wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.FACILITY_NAME)
    names = [*PARENT_FACILITIES, "Kolo Depot"]
    wb.assert_each_input_row_once_with_a_final_status(processed, wb.FACILITY_NAME, names)
    assert [row[wb.STATUS] for row in processed] == ["SKIPPED"] * 3 + ["CREATED"]
    assert all(row[wb.FACILITY_CODE] for row in processed)
    assert resource["additionalDetails"]["counts"]["created"] == 1
    # and the child's resources are found by campaign
    assert [row["id"] for row in integrator.search(campaignId=child["id"])] == [resource["id"]]


def test_a_frozen_cell_edited_with_the_protection_removed_is_refused(integrator, parent):
    # Given the child campaign's template, fetched as a client does, with its protection
    # removed and a frozen row's capacity changed
    child = _child_campaign(integrator, parent)
    _, book = _campaign_template(integrator, child["id"])
    sheet, header_row, columns = wb.data_sheet(book, wb.FACILITY_NAME)
    sheet.protection.sheet = False
    tampered_row = header_row + 2
    assert sheet.cell(tampered_row, columns[wb.FACILITY_NAME]).value == PARENT_FACILITIES[1]
    sheet.cell(tampered_row, columns[wb.CAPACITY], value=1)
    # When it is uploaded and created for the child
    resource = integrator.create_and_wait(
        integrator.upload(wb.save(book)), "facility", campaign_id=child["id"]
    )
    # Then that row is INVALID with IMMUTABLE_CELL_TAMPERED, the column and the old value;
    # nothing is created, and the processed file says so row by row
    assert resource["status"] == "invalid", resource["additionalDetails"]
    assert resource["additionalDetails"]["counts"]["created"] == 0
    processed = wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.FACILITY_NAME)
    wb.assert_each_input_row_once_with_a_final_status(
        processed, wb.FACILITY_NAME, PARENT_FACILITIES
    )
    by_name = {row[wb.FACILITY_NAME]: row for row in processed}
    refused = by_name[PARENT_FACILITIES[1]]
    assert refused[wb.STATUS] == "INVALID"
    assert refused[wb.ERRORS].startswith("IMMUTABLE_CELL_TAMPERED: Capacity is frozen")
    assert "“500”" in refused[wb.ERRORS] and "“1”" in refused[wb.ERRORS]
    assert [by_name[name][wb.STATUS] for name in PARENT_FACILITIES[::2]] == ["SKIPPED"] * 2


def test_a_facility_outside_the_campaigns_boundaries_is_an_invalid_row(integrator, parent):
    # Given the parent's template with a facility in a district the campaign does not cover
    _, book = _campaign_template(integrator, parent["id"])
    wb.fill_rows(book, wb.FACILITY_NAME, [_facility("Stray Depot", "WABU_B579D9")])
    # When it is created for the campaign
    resource = integrator.create_and_wait(
        integrator.upload(wb.save(book)), "facility", campaign_id=parent["id"]
    )
    # Then that row is INVALID, naming the boundary
    assert resource["status"] == "invalid", resource["additionalDetails"]
    processed = wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.FACILITY_NAME)
    stray = [row for row in processed if row[wb.FACILITY_NAME] == "Stray Depot"]
    wb.assert_each_input_row_once_with_a_final_status(
        processed, wb.FACILITY_NAME, ["Stray Depot"], nothing_else=False
    )
    assert stray[0][wb.STATUS] == "INVALID" and "WABU_B579D9" in stray[0][wb.ERRORS], stray


def test_a_child_that_repeats_a_parent_boundary_is_refused(integrator, parent):
    # When a child campaign lists the parent's district again
    answer = integrator.campaign_request(
        "create",
        {
            "name": "Again",
            "hierarchyType": "ADMIN",
            "parentId": parent["id"],
            "boundaries": [_district(PARENT_DISTRICT[0])],
        },
    )
    # Then it is a 400 naming the boundary
    assert answer.status_code == 400, answer.text
    [error] = answer.json()["Errors"]
    assert error["code"] == "BOUNDARY_IN_PARENT" and PARENT_DISTRICT[0] in error["message"]


def test_a_campaign_over_an_unknown_boundary_is_refused(integrator):
    # When a campaign names a boundary the hierarchy does not have
    answer = integrator.campaign_request(
        "create",
        {"name": "Nowhere", "hierarchyType": "ADMIN", "boundaries": [_district("NOWHERE_000")]},
    )
    # Then it is a 400 naming it
    assert answer.status_code == 400, answer.text
    [error] = answer.json()["Errors"]
    assert error["code"] == "UNKNOWN_BOUNDARY" and "NOWHERE_000" in error["message"]
