"""The stack, as a separate process, against DIGIT as the original platform publishes it:
a fake in this test process serving the published adminSchema records from MDMS
(tests/fakes/mdms_records.py) and the services at the HCM project-factory's paths. The
integrator fetches the templates the schemas give, fills them, creates them, and reads
the processed files, all over HTTP; the fake's records are what the services hold."""

import re
from collections.abc import Iterator

import pytest

from tests.e2e import workbooks as wb
from tests.fakes.digit_server import FakeDigit
from tests.fakes.digit_services import FACILITY_BULK_CREATE, HRMS_CREATE

DISTRICT = {"code": "SHADI_A11E8E", "type": "District", "includeAllChildren": True}
DISTRICT_NAME = "Shadi"
#: the header text of the published records' boundary column
MANDATORY = "Boundary Code (Mandatory)"


@pytest.fixture(scope="module")
def digit() -> Iterator[FakeDigit]:
    with FakeDigit(lifetime_seconds=900) as fake:
        yield fake


@pytest.fixture(scope="module")
def served_overrides(digit: FakeDigit) -> dict[str, str]:
    return digit.stack_parameters(schemas=True, read_timeout="2")


@pytest.fixture(autouse=True)
def healthy(digit: FakeDigit) -> Iterator[None]:
    digit.visibility_delay_seconds = 0
    yield
    digit.clear_faults()


def _template(integrator, template_type):
    started = integrator.generate(template_type, filters={"boundaries": [DISTRICT]})
    done = integrator.wait_for_template(template_type, generated_id=started["id"])
    assert done["status"] == "completed", done["additionalDetails"]
    return wb.open_book(integrator.fetch(done["fileStoreId"]))


def _facilities(codes, prefix):
    return [
        {
            wb.FACILITY_NAME: f"{prefix} {number}",
            wb.FACILITY_TYPE: "Warehouse",
            wb.FACILITY_STATUS: "Temporary",
            wb.CAPACITY: 100 * (number + 1),
            wb.BOUNDARY_CODE: code,
            wb.FACILITY_USAGE: "Active",
        }
        for number, code in enumerate(codes)
    ]


def test_a_template_of_the_published_facility_schema_creates_facilities_in_the_service(
    integrator, digit
):
    # Given the facility template MDMS's published record gives, fetched through its URL
    book = _template(integrator, "facilityWithBoundary")
    _, _, columns = wb.data_sheet(book, wb.FACILITY_NAME)
    assert MANDATORY in columns and wb.FACILITY_CODE in columns
    rows = _facilities(wb.localities(book, DISTRICT_NAME, 3), "Published Store")
    wb.fill_rows(book, wb.FACILITY_NAME, rows)
    # When it is uploaded through a presigned URL and created
    file_store_id = integrator.upload_presigned(wb.save(book), filename="facilities.xlsx")
    resource = integrator.create_and_wait(file_store_id, "facility")
    # Then each row is CREATED with the id the facility service gave it
    assert resource["status"] == "created", resource["additionalDetails"]
    processed = wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.FACILITY_NAME)
    names = [row[wb.FACILITY_NAME] for row in rows]
    wb.assert_each_input_row_once_with_a_final_status(processed, wb.FACILITY_NAME, names)
    held = {f["name"]: f["id"] for f in digit.records("facility") if f["name"] in names}
    assert {row[wb.FACILITY_NAME]: row[wb.FACILITY_CODE] for row in processed} == held
    assert [row[wb.STATUS] for row in processed] == ["CREATED"] * 3
    assert digit.duplicates("facility") == 0


def test_users_of_the_published_schema_get_readable_usernames_from_outside(integrator, digit):
    # Given the user template of the published record (no usage column), filled
    book = _template(integrator, "userWithBoundary")
    _, _, columns = wb.data_sheet(book, wb.USER_NAME)
    assert wb.USER_USAGE not in columns
    codes = wb.localities(book, DISTRICT_NAME, 2)
    rows = [
        {
            wb.USER_NAME: f"Published Worker {number}",
            wb.PHONE: 9_400_000_100 + number,
            wb.ROLE: ("Registrar", "Distributor")[number],
            wb.EMPLOYMENT_TYPE: "Temporary",
            wb.BOUNDARY_CODE: code,
        }
        for number, code in enumerate(codes)
    ]
    wb.fill_rows(book, wb.USER_NAME, rows)
    # When it is created
    resource = integrator.create_and_wait(integrator.upload(wb.save(book)), "user")
    # Then each user has a short username of its tenant, the one HRMS was given
    assert resource["status"] == "created", resource["additionalDetails"]
    processed = wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.USER_NAME)
    usernames = [row[wb.USERNAME] for row in processed]
    assert len(usernames) == 2 and all(re.fullmatch(r"USR-MZ-\d{6}", u) for u in usernames)
    given = {
        employee["user"]["userName"]
        for body in digit.bodies(HRMS_CREATE)
        for employee in body["Employees"]
    }
    assert set(usernames) <= given


def test_a_file_the_service_could_not_take_finishes_by_retry_from_outside(integrator, digit):
    # Given a facility service refusing every bulk create for now (503)
    book = _template(integrator, "facilityWithBoundary")
    rows = _facilities(wb.localities(book, DISTRICT_NAME, 2), "Retried Store")
    wb.fill_rows(book, wb.FACILITY_NAME, rows)
    file_store_id = integrator.upload(wb.save(book))
    digit.fail_next(FACILITY_BULK_CREATE, 1000, status=503)
    failed = integrator.create_and_wait(file_store_id, "facility")
    assert failed["status"] == "failed", failed["additionalDetails"]
    assert failed["additionalDetails"]["counts"]["notCreated"] == 2
    # When the service is back and the integrator retries the same file
    digit.clear_faults()
    retried = integrator.create(file_store_id, "facility", action="retry")
    assert retried["id"] == failed["id"]
    resource = integrator.wait_until_final(failed["id"])
    # Then the same resource ends created, each facility held once by the service
    assert resource["status"] == "created", resource["additionalDetails"]
    processed = wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.FACILITY_NAME)
    names = [row[wb.FACILITY_NAME] for row in rows]
    wb.assert_each_input_row_once_with_a_final_status(processed, wb.FACILITY_NAME, names)
    assert [row[wb.STATUS] for row in processed] == ["CREATED"] * 2
    held = [f for f in digit.records("facility") if f["name"] in names]
    assert len(held) == 2
    assert digit.duplicates("facility") == 0
