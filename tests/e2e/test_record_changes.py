"""Rows that carry an id change their record, from outside (#13): the processed file a
client fetched is edited and uploaded again; a facility's capacity is updated, another
retired, the third left alone, and a user moved to another boundary."""

from tests.e2e import workbooks as wb

DISTRICT = {"code": "NERAGE_866B43", "type": "District", "includeAllChildren": True}
DISTRICT_NAME = "Nerage"
NAMES = ["Nerage Store 1", "Nerage Store 2", "Nerage Store 3"]


def _template(integrator, template_type: str):
    started = integrator.generate(template_type, filters={"boundaries": [DISTRICT]})
    done = integrator.wait_for_template(template_type, generated_id=started["id"])
    assert done["status"] == "completed", done["additionalDetails"]
    return wb.open_book(integrator.fetch(done["fileStoreId"]))


def _created(integrator, book, resource_type: str) -> dict:
    resource = integrator.create_and_wait(integrator.upload(wb.save(book)), resource_type)
    assert resource["status"] == "created", resource["additionalDetails"]
    return resource


def _edited(integrator, resource: dict, key_header: str, edits: dict) -> bytes:
    """The processed file fetched through its URL, edited: {key value: {header: value}}."""
    book = wb.open_book(integrator.fetch(resource["processedFileStoreId"]))
    sheet, header_row, columns = wb.data_sheet(book, key_header)
    done = 0
    for row in range(header_row + 1, sheet.max_row + 1):
        for text, value in edits.get(sheet.cell(row, columns[key_header]).value, {}).items():
            sheet.cell(row, columns[text], value=value)
            done += 1
    assert done == sum(len(changes) for changes in edits.values())
    return wb.save(book)


def _three_facilities(integrator) -> dict:
    """Three facilities created through their template; the resource."""
    book = _template(integrator, "facilityWithBoundary")
    codes = wb.localities(book, DISTRICT_NAME, 1) * 3
    rows = [
        {
            wb.FACILITY_NAME: name,
            wb.FACILITY_TYPE: "Warehouse",
            wb.FACILITY_STATUS: "Permanent",
            wb.CAPACITY: 100,
            wb.BOUNDARY_CODE: code,
            wb.FACILITY_USAGE: "Active",
        }
        for name, code in zip(NAMES, codes, strict=True)
    ]
    wb.fill_rows(book, wb.FACILITY_NAME, rows)
    return _created(integrator, book, "facility")


def test_a_capacity_changed_and_a_facility_retired_come_back_updated_and_deactivated(integrator):
    # Given three facilities created through their template
    created = _three_facilities(integrator)
    # When their processed file comes back with a capacity changed and one marked Inactive
    upload = _edited(
        integrator,
        created,
        wb.FACILITY_NAME,
        {NAMES[0]: {wb.CAPACITY: 750}, NAMES[1]: {wb.FACILITY_USAGE: "Inactive"}},
    )
    changed = integrator.create_and_wait(integrator.upload(upload), "facility")
    # Then each row says what was done, with the record's id, and the counts agree
    assert changed["status"] == "created", changed["additionalDetails"]
    processed = wb.sheet_rows(integrator.fetch(changed["processedFileStoreId"]), wb.FACILITY_NAME)
    wb.assert_each_input_row_once_with_a_final_status(processed, wb.FACILITY_NAME, NAMES)
    assert [row[wb.STATUS] for row in processed] == ["UPDATED", "DEACTIVATED", "SKIPPED"]
    before = wb.sheet_rows(integrator.fetch(created["processedFileStoreId"]), wb.FACILITY_NAME)
    assert [row[wb.FACILITY_CODE] for row in processed] == [r[wb.FACILITY_CODE] for r in before]
    counts = changed["additionalDetails"]["counts"]
    assert (counts["updated"], counts["deactivated"], counts["skipped"]) == (1, 1, 1)
    # And the same file again has nothing left to do
    again = integrator.create_and_wait(integrator.upload(upload), "facility")
    processed = wb.sheet_rows(integrator.fetch(again["processedFileStoreId"]), wb.FACILITY_NAME)
    assert [row[wb.STATUS] for row in processed] == ["SKIPPED"] * 3


def test_a_user_moved_to_another_boundary_is_updated_with_the_same_username(integrator):
    # Given a user created through the user template
    book = _template(integrator, "userWithBoundary")
    first, second = wb.localities(book, DISTRICT_NAME, 2)
    user = {
        wb.USER_NAME: "Nerage Mover",
        wb.PHONE: 9_400_000_001,
        wb.ROLE: "Registrar",
        wb.EMPLOYMENT_TYPE: "Temporary",
        wb.BOUNDARY_CODE: first,
        wb.USER_USAGE: "Active",
    }
    wb.fill_rows(book, wb.USER_NAME, [user])
    created = _created(integrator, book, "user")
    [before] = wb.sheet_rows(integrator.fetch(created["processedFileStoreId"]), wb.USER_NAME)
    # When the processed file comes back with the user in another locality
    upload = _edited(
        integrator, created, wb.USER_NAME, {"Nerage Mover": {wb.BOUNDARY_CODE: second}}
    )
    changed = integrator.create_and_wait(integrator.upload(upload), "user")
    # Then the user is updated: the same uuid and username, the new boundary
    assert changed["status"] == "created", changed["additionalDetails"]
    [after] = wb.sheet_rows(integrator.fetch(changed["processedFileStoreId"]), wb.USER_NAME)
    assert after[wb.STATUS] == "UPDATED"
    assert (after[wb.USER_UUID], after[wb.USERNAME]) == (before[wb.USER_UUID], before[wb.USERNAME])
    assert after[wb.BOUNDARY_CODE] == second


def test_a_dry_run_reports_each_rows_plan_and_changes_nothing(integrator):
    # Given three facilities created, and their processed file with one capacity changed
    created = _three_facilities(integrator)
    upload = _edited(integrator, created, wb.FACILITY_NAME, {NAMES[2]: {wb.CAPACITY: 9}})
    # When it is validated only
    checked = integrator.create_and_wait(integrator.upload(upload), "facility", action="validate")
    # Then each row's #plan# says what a create would do, and the plan is counted
    assert checked["status"] == "validated", checked["additionalDetails"]
    processed = wb.sheet_rows(integrator.fetch(checked["processedFileStoreId"]), wb.FACILITY_NAME)
    assert [row["#plan#"] for row in processed] == ["skip", "skip", "update: Capacity"]
    assert checked["additionalDetails"]["plan"] == {"skip": 2, "update": 1}
    # And a create of the same file afterwards still has the change to make
    changed = integrator.create_and_wait(integrator.upload(upload), "facility")
    processed = wb.sheet_rows(integrator.fetch(changed["processedFileStoreId"]), wb.FACILITY_NAME)
    assert [row[wb.STATUS] for row in processed] == ["SKIPPED", "SKIPPED", "UPDATED"]
