"""The swapped upload from outside (issue #11, item 5): a client that POSTs another workbook
with the same presigned form after `_create` does not change what is created, and a file
above the upload limit is refused by the presigned POST itself. Plain HTTP only: the
grant's form posted with requests, every file fetched through the URLs the API returns."""

from collections.abc import Iterator

import pytest

from tests.e2e import workbooks as wb

#: This module's upload limit (upload_max_bytes, set for its served stack's functions)
UPLOAD_LIMIT = 1 << 20
DISTRICT = {"code": "SHADI_A11E8E", "type": "District", "includeAllChildren": True}
DISTRICT_NAME = "Shadi"


@pytest.fixture(scope="module")
def served_overrides() -> Iterator[dict[str, str]]:
    # The template has no parameter for this limit: the served stack inherits it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UPLOAD_MAX_BYTES", str(UPLOAD_LIMIT))
        yield {}


def _filled(integrator, names: list[str]) -> bytes:
    """The district's facility template, fetched through its URL, with `names` filled in."""
    started = integrator.generate("facilityWithBoundary", filters={"boundaries": [DISTRICT]})
    done = integrator.wait_for_template("facilityWithBoundary", generated_id=started["id"])
    assert done["status"] == "completed", done["additionalDetails"]
    book = wb.open_book(integrator.fetch(done["fileStoreId"]))
    codes = wb.localities(book, DISTRICT_NAME, len(names))
    wb.fill_rows(
        book,
        wb.FACILITY_NAME,
        [
            {
                wb.FACILITY_NAME: name,
                wb.FACILITY_TYPE: "Warehouse",
                wb.FACILITY_STATUS: "Permanent",
                wb.CAPACITY: 100 * (number + 1),
                wb.BOUNDARY_CODE: code,
                wb.FACILITY_USAGE: "Active",
            }
            for number, (name, code) in enumerate(zip(names, codes, strict=True))
        ],
    )
    return wb.save(book)


def test_a_workbook_posted_again_after_create_leaves_the_processed_file_as_accepted(integrator):
    # Given a workbook of four facilities uploaded through a presigned POST and created
    accepted_names = [f"Shadi Store {number}" for number in range(4)]
    swapped_names = [f"Someone Else {number}" for number in range(6)]
    accepted, swapped = _filled(integrator, accepted_names), _filled(integrator, swapped_names)
    grant = integrator.upload_url("facilities.xlsx")
    assert grant["method"] == "POST" and grant["maxBytes"] == UPLOAD_LIMIT, grant
    assert integrator.post_form(grant, accepted, "facilities.xlsx").status_code == 204
    resource = integrator.create(grant["fileStoreId"], "facility")
    # When another workbook is posted with the same form right after _create
    again = integrator.post_form(grant, swapped, "facilities.xlsx")
    final = integrator.wait_until_final(resource["id"])
    # Then the upload was replaced, yet the resource was built from the file accepted: its
    # four rows created, each with an id of its own, nothing of the other workbook
    assert again.status_code == 204, again.text
    assert integrator.fetch(grant["fileStoreId"]) == swapped
    assert final["status"] == "created", final["additionalDetails"]
    assert final["additionalDetails"]["counts"]["created"] == 4
    processed = wb.sheet_rows(integrator.fetch(final["processedFileStoreId"]), wb.FACILITY_NAME)
    wb.assert_each_input_row_once_with_a_final_status(processed, wb.FACILITY_NAME, accepted_names)
    assert {row[wb.STATUS] for row in processed} == {"CREATED"}
    ids = [row[wb.FACILITY_CODE] for row in processed]
    assert all(ids) and len(set(ids)) == 4


def test_a_file_above_the_upload_limit_is_refused_by_the_presigned_post(integrator):
    # Given a presigned POST, which allows files of 1 byte up to the upload limit
    grant = integrator.upload_url("too big.xlsx")
    # When a file one byte above the limit is posted with it
    answer = integrator.post_form(grant, b"x" * (UPLOAD_LIMIT + 1), "too big.xlsx")
    # Then S3 refuses it with EntityTooLarge, and no file exists under the grant's id
    assert answer.status_code == 400, answer.text
    assert "<Code>EntityTooLarge</Code>" in answer.text
    assert f"<MaxSizeAllowed>{UPLOAD_LIMIT}</MaxSizeAllowed>" in answer.text
    missing = integrator.get(
        "/filestore/v1/files/url",
        params={"tenantId": integrator.tenant_id, "fileStoreIds": grant["fileStoreId"]},
    )
    assert missing.status_code == 404, missing.text
