"""Validation from outside: validate-only, a file with an invalid row, and what the
processed file and the resource say about each row."""

import pytest

from tests.e2e import workbooks as wb

DISTRICT = {"code": "MASUHI_7AB991", "type": "District", "includeAllChildren": True}
DISTRICT_NAME = "Masuhi"
NAMES = ["Masuhi Post 1", "Masuhi Post 2", "Masuhi Post 3"]


@pytest.fixture
def template(integrator) -> bytes:
    started = integrator.generate("facilityWithBoundary", filters={"boundaries": [DISTRICT]})
    done = integrator.wait_for_template("facilityWithBoundary", generated_id=started["id"])
    assert done["status"] == "completed", done["additionalDetails"]
    return integrator.fetch(done["fileStoreId"])


def _filled(template: bytes, *, bad_capacity_row: int | None = None) -> bytes:
    """Three facilities; the one at `bad_capacity_row` (0-based) with capacity 0."""
    book = wb.open_book(template)
    codes = wb.localities(book, DISTRICT_NAME, len(NAMES))
    rows = [
        {
            wb.FACILITY_NAME: name,
            wb.FACILITY_TYPE: "Health Facility",
            wb.FACILITY_STATUS: "Temporary",
            wb.CAPACITY: 0 if index == bad_capacity_row else 250,
            wb.BOUNDARY_CODE: code,
            wb.FACILITY_USAGE: "Active",
        }
        for index, (name, code) in enumerate(zip(NAMES, codes, strict=True))
    ]
    wb.fill_rows(book, wb.FACILITY_NAME, rows)
    return wb.save(book)


def _processed(integrator, resource):
    data = integrator.fetch(resource["processedFileStoreId"])
    processed = wb.sheet_rows(data, wb.FACILITY_NAME)
    wb.assert_each_input_row_once_with_a_final_status(processed, wb.FACILITY_NAME, NAMES)
    return processed


def test_validate_only_of_a_file_with_an_invalid_row_says_which_row_and_why(integrator, template):
    # Given a file of three facilities, the second with a capacity of 0
    file_store_id = integrator.upload(_filled(template, bad_capacity_row=1))
    # When it is validated only
    accepted = integrator.create(file_store_id, "facility", action="validate")
    assert accepted["status"] == "validation-started", accepted
    resource = integrator.wait_until_final(accepted["id"])
    # Then the resource is invalid, with the row's error in additionalDetails
    assert resource["status"] == "invalid", resource
    details = resource["additionalDetails"]
    assert details["counts"]["invalid"] == 1 and details["counts"]["created"] == 0, details
    [error] = details["rowErrors"]
    assert error["row"] == 3 and error["status"] == "INVALID", error
    assert any("Capacity" in message for message in error["errors"]), error
    # and the processed file marks that row INVALID with its reason, the others VALID
    processed = _processed(integrator, resource)
    assert [row[wb.STATUS] for row in processed] == ["VALID", "INVALID", "VALID"]
    assert "Capacity" in processed[1][wb.ERRORS]
    assert processed[1]["_row"] == error["row"]
    assert not any(row[wb.FACILITY_CODE] for row in processed)


def test_validate_only_of_a_valid_file_is_validated_and_creates_nothing(integrator, template):
    # Given a valid file, validated only
    file_store_id = integrator.upload(_filled(template))
    validated = integrator.create_and_wait(file_store_id, "facility", action="validate")
    # Then it is validated, every row VALID and without an id
    assert validated["status"] == "validated", validated["additionalDetails"]
    processed = _processed(integrator, validated)
    assert [row[wb.STATUS] for row in processed] == ["VALID"] * 3
    assert not any(row[wb.FACILITY_CODE] for row in processed)
    # When the same file is then created
    created = integrator.create_and_wait(file_store_id, "facility")
    # Then it is another resource, and every row is created: validating claimed nothing
    assert created["id"] != validated["id"]
    assert created["status"] == "created", created["additionalDetails"]
    assert [row[wb.STATUS] for row in _processed(integrator, created)] == ["CREATED"] * 3


def test_a_create_with_an_invalid_row_creates_nothing_until_the_file_is_corrected(
    integrator, template
):
    # Given a file whose third row is invalid, created
    broken = integrator.create_and_wait(
        integrator.upload(_filled(template, bad_capacity_row=2)), "facility"
    )
    # Then the resource is invalid and no row was created: the valid ones say why not
    assert broken["status"] == "invalid", broken["additionalDetails"]
    processed = _processed(integrator, broken)
    assert [row[wb.STATUS] for row in processed] == ["VALID", "VALID", "INVALID"]
    assert all(row[wb.ERRORS] for row in processed)
    assert not any(row[wb.FACILITY_CODE] for row in processed)
    # When the corrected file is uploaded and created
    fixed = integrator.create_and_wait(integrator.upload(_filled(template)), "facility")
    # Then all three are created (the first attempt claimed none of their names)
    assert fixed["status"] == "created", fixed["additionalDetails"]
    assert [row[wb.STATUS] for row in _processed(integrator, fixed)] == ["CREATED"] * 3


def test_a_create_of_a_file_that_does_not_exist_is_refused_with_a_digit_error(integrator):
    # When _create names a fileStoreId nobody uploaded
    answer = integrator.create_request("no-such-file", "facility")
    # Then it is refused in the DIGIT error envelope, and no resource is stored
    assert 400 <= answer.status_code < 500, answer.text
    body = answer.json()
    assert body["ResponseInfo"] is None and body["Errors"][0]["code"], body
    assert integrator.search() == []


def test_a_create_with_a_field_the_api_does_not_know_is_a_400(integrator):
    # When ResourceDetails carries a field the API does not define
    answer = integrator.post(
        "/project-factory/v1/data/_create",
        {
            "RequestInfo": {},
            "ResourceDetails": {
                "type": "facility",
                "tenantId": integrator.tenant_id,
                "fileStoreId": "x",
                "action": "create",
                "hierarchyType": "ADMIN",
                "colour": "blue",
            },
        },
    )
    # Then it is a 400 in the DIGIT error envelope
    assert answer.status_code == 400, answer.text
    assert answer.json()["Errors"], answer.text
