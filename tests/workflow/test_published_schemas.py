"""The create flow and the templates against DIGIT as the original platform publishes it:
MDMS serving the published facility.all and user.all records (boundary column
HCM_ADMIN_CONSOLE_BOUNDARY_CODE_MANDATORY, no id column, the phone a number), and the
services at the HCM project-factory's paths (tests/fakes)."""

import io
import re
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from local.samples import facility_rows, user_rows, workbook_from_rows
from project_factory.sheets.spec import FACILITY, USER
from tests.fakes.digit_server import FakeDigit
from tests.fakes.digit_services import HRMS_CREATE, INDIVIDUAL_SEARCH
from tests.fakes.mdms_records import facility_all, user_all
from tests.support.checks import (
    assert_each_input_row_once_with_a_final_status,
    header,
    processed_rows,
)

MANDATORY = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE_MANDATORY"
OLD_NAME = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE"
FACILITY_NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
USER_NAME = "HCM_ADMIN_CONSOLE_USER_NAME"


@pytest.fixture(scope="module")
def stack_parameters(digit: FakeDigit) -> dict[str, str]:
    return digit.stack_parameters(schemas=True, read_timeout="2")


@pytest.fixture(autouse=True)
def healthy(digit: FakeDigit) -> Iterator[None]:
    digit.visibility_delay_seconds = 0
    yield
    digit.clear_faults()


def _columns(record: dict) -> list[str]:
    """The record's columns in orderNumber order, as a template lists them."""
    columns = [column for group in record["properties"].values() for column in group]
    return [column["name"] for column in sorted(columns, key=lambda c: c["orderNumber"])]


def _published_rows(rows: list[dict], record: dict) -> list[dict]:
    """Sample rows with only the record's columns, the boundary under its published name."""
    wanted = set(_columns(record))
    renamed = [{(MANDATORY if k == OLD_NAME else k): v for k, v in row.items()} for row in rows]
    return [{k: v for k, v in row.items() if k in wanted} for row in renamed]


def _users(count: int) -> list[dict]:
    """Users of the published record, with roles it offers."""
    rows = _published_rows(user_rows(count, invalid=0), user_all())
    for number, row in enumerate(rows):
        row["HCM_ADMIN_CONSOLE_USER_ROLE"] = ("Registrar", "Distributor", "Supervisor")[number % 3]
    return rows


def _create(client, spec, rows, record, action="create"):
    workbook = workbook_from_rows(spec, rows, columns=_columns(record))
    accepted = client.create(client.upload(workbook), spec.resource_type, action=action)
    assert accepted.status_code == 200, accepted.text
    return client.wait_until_final(accepted.json()["ResourceDetails"]["id"], timeout=120)


def test_facilities_of_the_published_schema_are_created_with_their_ids(client, digit):
    # Given facilities filled against the published facility.all record
    rows = _published_rows(facility_rows(4, invalid=0), facility_all())
    # When they are created
    resource = _create(client, FACILITY, rows, facility_all())
    # Then every row is CREATED with the facility service's id in the id column it added
    assert resource["status"] == "created", resource["additionalDetails"]
    processed = processed_rows(client, resource, FACILITY)
    assert_each_input_row_once_with_a_final_status(processed, rows, FACILITY_NAME)
    ids = {facility["id"] for facility in digit.records("facility")}
    assert processed and all(row["#status#"] == "CREATED" for row in processed)
    assert {row[header("HCM_ADMIN_CONSOLE_FACILITY_CODE")] for row in processed} <= ids
    sent = {facility["address"]["locality"]["code"] for facility in digit.records("facility")}
    assert sent == {row[MANDATORY] for row in rows}


def test_users_of_the_published_schema_get_readable_usernames(client, digit):
    # Given users filled against the published user.all record (no usage column)
    rows = _users(3)
    # When they are created
    resource = _create(client, USER, rows, user_all())
    # Then each is CREATED with a short username of the tenant, the one HRMS was sent
    assert resource["status"] == "created", resource["additionalDetails"]
    processed = processed_rows(client, resource, USER)
    assert_each_input_row_once_with_a_final_status(processed, rows, USER_NAME)
    usernames = [row[header("HCM_ADMIN_CONSOLE_USER_USERNAME")] for row in processed]
    assert len(usernames) == 3 and all(re.fullmatch(r"USR-MZ-\d{6}", name) for name in usernames)
    sent = [
        employee["user"]["userName"]
        for body in digit.bodies(HRMS_CREATE)
        for employee in body["Employees"]
    ]
    assert set(usernames) <= set(sent)


def test_a_failing_phone_check_names_the_service_path_and_status(client, digit):
    # Given the individual service answering 404 (a wrong path or a missing service)
    digit.fail_next(INDIVIDUAL_SEARCH, 20, status=404)
    # When a user file is validated
    resource = _create(client, USER, _users(2), user_all(), action="validate")
    # Then it fails with a code of its own, naming the service, the path and the status
    assert resource["status"] == "failed"
    error = resource["additionalDetails"]["error"]
    assert error["code"] == "SERVICE_NOT_FOUND"
    assert "health-individual" in error["message"] and "HTTP 404" in error["message"]
    assert "/health-individual/v1/_search" in error["message"]


def test_a_service_refusing_every_call_fails_the_rows_with_its_reason(client, digit):
    # Given HRMS answering 404 to its employee create (a wrong path, say)
    digit.fail_next(HRMS_CREATE, 50, status=404)
    # When users are created
    resource = _create(client, USER, _users(2), user_all())
    # Then each row FAILED at once with the code, the service, the path and the status
    assert resource["status"] == "failed"
    assert resource["additionalDetails"]["counts"]["attempts"] == 1
    processed = processed_rows(client, resource, USER)
    assert processed and {row["#status#"] for row in processed} == {"FAILED"}
    for row in processed:
        details = row["#errorDetails#"]
        assert details.startswith("SERVICE_NOT_FOUND: ")
        assert "/health-hrms/employees/_create" in details and "HTTP 404" in details
    assert resource["additionalDetails"]["rowErrors"][0]["errors"][0].startswith(
        "SERVICE_NOT_FOUND"
    )


def test_a_template_of_the_published_schema_has_its_header_dropdown_and_hidden_id(client):
    # Given MDMS serving the published facility record
    # When a facility template is generated
    answer = client.generate("facilityWithBoundary", force=True)
    assert answer.status_code == 200, answer.text
    generated = client.wait_until_generated(
        "facilityWithBoundary", answer.json()["GeneratedResource"][0]["id"]
    )
    assert generated["status"] == "completed", generated
    book = load_workbook(io.BytesIO(client.download(generated["fileStoreId"])))
    sheet = book[header(FACILITY.data_sheet)]
    headers = {cell.value: cell.column_letter for cell in sheet[1] if cell.value}
    # Then the boundary column shows its localised name, with a boundary dropdown,
    assert header(MANDATORY) == "Boundary Code (Mandatory)"
    boundary = headers[header(MANDATORY)]
    assert any(
        validation.type == "list" and boundary in str(validation.sqref)
        for validation in sheet.data_validations.dataValidation
    )
    # and the service's id column is there, hidden
    assert sheet.column_dimensions[headers[header("HCM_ADMIN_CONSOLE_FACILITY_CODE")]].hidden
    assert MANDATORY not in headers
