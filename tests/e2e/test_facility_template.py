"""The facility template flow from outside: generate, poll _download, fetch the workbook
through its URL, fill it, upload it (multipart or presigned), _create, poll _search, fetch
the processed file through its URL."""

import pytest

from tests.e2e import workbooks as wb
from tests.support.served_stack import is_loopback

DISTRICT = {"code": "SHADI_A11E8E", "type": "District", "includeAllChildren": True}
DISTRICT_NAME = "Shadi"


def _template(integrator):
    """The facility template of one district, generated and fetched as a client does."""
    started = integrator.generate("facilityWithBoundary", filters={"boundaries": [DISTRICT]})
    assert started["status"] == "inprogress" and started["fileStoreId"] is None, started
    done = integrator.wait_for_template("facilityWithBoundary", generated_id=started["id"])
    assert done["status"] == "completed", done["additionalDetails"]
    return done, integrator.fetch(done["fileStoreId"])


def _facilities(codes):
    kinds = (
        ("Health Facility", "Permanent"),
        ("Warehouse", "Temporary"),
        ("Storing Resource", "Permanent"),
    )
    return [
        {
            wb.FACILITY_NAME: f"Shadi Facility {number}",
            wb.FACILITY_TYPE: kinds[number % len(kinds)][0],
            wb.FACILITY_STATUS: kinds[number % len(kinds)][1],
            wb.CAPACITY: 100 * (number + 1),
            wb.BOUNDARY_CODE: code,
            wb.FACILITY_USAGE: "Active",
        }
        for number, code in enumerate(codes)
    ]


def test_a_generated_template_is_fetched_through_its_url_with_the_chosen_boundaries(integrator):
    # When a facility template is generated for one district and polled until completed
    done, data = _template(integrator)
    # Then its URL is on this machine, and the workbook it serves offers that district and
    # its localities, under the schema's columns, with nothing pre-filled in a new tenant
    assert is_loopback(integrator.file_urls(done["fileStoreId"])[done["fileStoreId"]])
    book = wb.open_book(data)
    listed = wb.boundary_rows(book)
    assert done["count"] == len(listed) == 51
    assert {row["District"] for row in listed} == {DISTRICT_NAME}
    sheet, header_row, columns = wb.data_sheet(book, wb.FACILITY_NAME)
    assert {
        wb.FACILITY_CODE,
        wb.FACILITY_NAME,
        wb.FACILITY_TYPE,
        wb.FACILITY_STATUS,
        wb.CAPACITY,
        wb.BOUNDARY_CODE,
        wb.FACILITY_USAGE,
    } <= set(columns)
    assert wb.sheet_rows(data, wb.FACILITY_NAME) == []
    assert sheet.protection.sheet and sheet.freeze_panes == f"A{header_row + 1}"


@pytest.mark.parametrize("upload", ["multipart", "presigned"])
def test_a_filled_template_is_created_and_its_processed_file_has_an_id_per_row(integrator, upload):
    # Given the fetched template with four facilities filled in, on localities it offers
    _, data = _template(integrator)
    book = wb.open_book(data)
    rows = _facilities(wb.localities(book, DISTRICT_NAME, 4))
    wb.fill_rows(book, wb.FACILITY_NAME, rows)
    filled = wb.save(book)
    # When it is uploaded (multipart, or a form POSTed to a presigned upload) and created
    if upload == "multipart":
        file_store_id = integrator.upload(filled, filename="facilities.xlsx")
    else:
        file_store_id = integrator.upload_presigned(filled, filename="facilities.xlsx")
    resource = integrator.create_and_wait(file_store_id, "facility")
    # Then the resource is created, and its processed file, fetched through its URL, has
    # each row once, CREATED with the id the registry gave it
    assert resource["status"] == "created", resource["additionalDetails"]
    assert resource["fileStoreId"] == file_store_id
    counts = resource["additionalDetails"]["counts"]
    assert (counts["total"], counts["created"], counts["invalid"]) == (4, 4, 0), counts
    processed = wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.FACILITY_NAME)
    names = [row[wb.FACILITY_NAME] for row in rows]
    wb.assert_each_input_row_once_with_a_final_status(processed, wb.FACILITY_NAME, names)
    assert [row[wb.STATUS] for row in processed] == ["CREATED"] * 4
    ids = [row[wb.FACILITY_CODE] for row in processed]
    assert all(ids) and len(set(ids)) == 4, ids
    # and the other columns are what was filled in
    assert [row[wb.BOUNDARY_CODE] for row in processed] == [row[wb.BOUNDARY_CODE] for row in rows]


def test_the_same_create_asked_twice_is_one_resource(integrator):
    # Given a filled template created once
    _, data = _template(integrator)
    book = wb.open_book(data)
    wb.fill_rows(book, wb.FACILITY_NAME, _facilities(wb.localities(book, DISTRICT_NAME, 2)))
    file_store_id = integrator.upload(wb.save(book))
    first = integrator.create_and_wait(file_store_id, "facility")
    # When the integrator's script sends the same _create again (a retry after a timeout)
    again = integrator.create(file_store_id, "facility")
    # Then it gets the same row back, already final, and nothing was created twice
    assert again["id"] == first["id"] and again["status"] == first["status"] == "created"
    assert [row["id"] for row in integrator.search(type="facility")] == [first["id"]]
    processed = wb.sheet_rows(integrator.fetch(again["processedFileStoreId"]), wb.FACILITY_NAME)
    assert [row[wb.STATUS] for row in processed] == ["CREATED", "CREATED"]
