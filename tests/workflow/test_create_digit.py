"""resource_create.asl.json in the local stack, creating in DIGIT services (a stateful fake
on 127.0.0.1 that delays bulk creates, injects 5xx and timeouts, and rejects rows)."""

import pytest

from local.samples import facility_rows, user_rows, workbook_from_rows
from project_factory.sheets.spec import FACILITY, USER
from tests.fakes.digit_server import FakeDigit
from tests.fakes.digit_services import (
    FACILITY_BULK_CREATE,
    FACILITY_SEARCH,
    HRMS_CREATE,
    INDIVIDUAL_SEARCH,
)
from tests.support.checks import (
    assert_each_input_row_once_with_a_final_status,
    header,
    processed_rows,
)
from tests.support.credentials import (
    credentials_rows,
    holding,
    passwords_by_username,
    scratch_objects,
)

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
PHONE = "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER"


@pytest.fixture(scope="module")
def stack_parameters(digit: FakeDigit) -> dict[str, str]:
    return digit.stack_parameters()


@pytest.fixture(autouse=True)
def no_delay(digit: FakeDigit) -> None:
    digit.visibility_delay_seconds = 0


def _create_and_wait(client, rows, spec):
    file_store_id = client.upload(workbook_from_rows(spec, rows))
    accepted = client.create(file_store_id, spec.resource_type)
    assert accepted.status_code == 200, accepted.text
    return client.wait_until_final(accepted.json()["ResourceDetails"]["id"], timeout=180)


def _tenant_records(digit, kind, tenant):
    return [record for record in digit.records(kind) if record["tenantId"] == tenant]


def test_bulk_creates_confirmed_by_search_after_a_delay_are_created_once(client, digit):
    # Given a facility service that shows bulk-created facilities to search only after 1.5 s
    digit.visibility_delay_seconds = 1.5
    rows = facility_rows(8, invalid=0)
    # When 8 facilities are created
    resource = _create_and_wait(client, rows, FACILITY)
    # Then all are created, confirmed by search, and none was sent twice
    assert resource["status"] == "created"
    processed = processed_rows(client, resource, FACILITY)
    assert_each_input_row_once_with_a_final_status(processed, rows, NAME)
    assert {row["#status#"] for row in processed} == {"CREATED"}
    assert len(_tenant_records(digit, "facility", client.tenant_id)) == 8
    assert digit.duplicates("facility") == 0


def test_a_bulk_file_with_no_faults_costs_one_create_and_one_search_per_batch(client, digit):
    # Given 300 facilities (CreateBatchSize 100) and a service with no faults
    rows = facility_rows(300, invalid=0)
    before = digit.calls(FACILITY_BULK_CREATE), digit.calls(FACILITY_SEARCH)
    # When they are created
    resource = _create_and_wait(client, rows, FACILITY)
    # Then nothing was searched before a create: three bulk creates and three confirming
    # searches of 100 references each (20 calls per 1,000 rows)
    assert resource["status"] == "created", resource["additionalDetails"]
    after = digit.calls(FACILITY_BULK_CREATE), digit.calls(FACILITY_SEARCH)
    assert (after[0] - before[0], after[1] - before[1]) == (3, 3)
    assert len(_tenant_records(digit, "facility", client.tenant_id)) == 300


def test_rows_never_confirmed_stop_at_max_retries_with_a_reason(client, digit):
    # Given a facility service whose bulk creates stay invisible longer than the whole loop
    digit.visibility_delay_seconds = 120
    rows = facility_rows(4, invalid=0)
    calls_before = digit.calls(FACILITY_BULK_CREATE)
    # When they are created with MaxRetries=3
    resource = _create_and_wait(client, rows, FACILITY)
    # Then the loop stopped at its bound: 3 attempts, every row NOT_CREATED saying so (the
    # rows are sent again only once a request can no longer land: the read timeout and
    # the confirm delay, 1.5 s here, are past at every attempt)
    assert resource["status"] == "failed"
    assert resource["additionalDetails"]["counts"]["attempts"] == 3
    assert digit.calls(FACILITY_BULK_CREATE) - calls_before == 3
    processed = processed_rows(client, resource, FACILITY)
    assert_each_input_row_once_with_a_final_status(processed, rows, NAME)
    assert {row["#status#"] for row in processed} == {"NOT_CREATED"}
    assert all("after 3 attempt" in row["#errorDetails#"] for row in processed)


def test_a_row_the_service_refuses_fails_at_once_and_the_rest_are_created(client, digit):
    # Given a facility service that refuses one facility by name
    rows = facility_rows(5, invalid=0)
    refused = rows[2][NAME]
    digit.reject(lambda item: item.get("name") == refused, "name is on the block list")
    # When the file is created
    resource = _create_and_wait(client, rows, FACILITY)
    # Then that row FAILED with the service's reason after one attempt; the others are CREATED
    assert resource["status"] == "partially-created"
    assert resource["additionalDetails"]["counts"]["attempts"] == 1
    processed = processed_rows(client, resource, FACILITY)
    assert_each_input_row_once_with_a_final_status(processed, rows, NAME)
    by_name = {row[header(NAME)]: row for row in processed}
    assert by_name[refused]["#status#"] == "FAILED"
    assert "block list" in by_name[refused]["#errorDetails#"]
    assert [row["#status#"] for row in processed].count("CREATED") == 4


def test_a_transient_failure_of_a_task_is_retried_by_the_state_machine(client, digit, stack):
    # Given an individual service that answers 503 once (Validate checks phones there)
    digit.fail_next(INDIVIDUAL_SEARCH, 1, status=503)
    rows = user_rows(3, invalid=0)
    # When users are created
    resource = _create_and_wait(client, rows, USER)
    # Then Validate failed once with TransientError, was retried, and the users were created
    assert resource["status"] == "created"
    history = stack.history(stack.execution_arn("ResourceCreateStateMachine", resource["id"]))
    task_events = [e["type"] for e in history if e["type"] in ("TaskFailed", "TaskSucceeded")]
    assert task_events[:2] == ["TaskFailed", "TaskSucceeded"]
    failed = next(e for e in history if e["type"] == "TaskFailed")
    assert failed["taskFailedEventDetails"]["error"] == "TransientError"
    processed = processed_rows(client, resource, USER)
    assert_each_input_row_once_with_a_final_status(processed, rows, PHONE)


def test_a_lost_response_is_confirmed_on_retry_and_never_created_twice(client, digit):
    # Given an HRMS that creates the employees but answers after our read timeout
    digit.timeout_next(HRMS_CREATE, 1, seconds=2)
    rows = user_rows(4, invalid=0)
    # When the users are created
    resource = _create_and_wait(client, rows, USER)
    # Then the retry found them by reference: all CREATED, each employee exactly once
    assert resource["status"] == "created"
    processed = processed_rows(client, resource, USER)
    assert_each_input_row_once_with_a_final_status(processed, rows, PHONE)
    assert {row["#status#"] for row in processed} == {"CREATED"}
    assert len(_tenant_records(digit, "employee", client.tenant_id)) == 4
    assert digit.duplicates("employee") == 0


def test_a_user_whose_answer_was_lost_is_handed_out_with_the_password_hrms_got(
    client, digit, stack
):
    # Given an HRMS that creates the employees but answers after our read timeout
    digit.timeout_next(HRMS_CREATE, 1, seconds=2)
    # When 4 users are created (the retry finds them by reference, sends nothing again)
    resource = _create_and_wait(client, user_rows(4, invalid=0), USER)
    assert resource["status"] == "created"
    # Then the credentials file hands out each user once, with the password HRMS got in the
    # one request that created it
    sent = [
        employee
        for body in digit.bodies(HRMS_CREATE)
        for employee in body["Employees"]
        if employee["tenantId"] == client.tenant_id
    ]
    assert len(sent) == 4
    got = {employee["user"]["userName"]: employee["user"]["password"] for employee in sent}
    assert passwords_by_username(credentials_rows(client, resource)) == got
    # and no scratch object of the resource holds any of them in plaintext
    assert holding(scratch_objects(stack, resource["id"]), list(got.values())) == {}
    # nor the processed file
    assert {
        row[header("HCM_ADMIN_CONSOLE_USER_PASSWORD")]
        for row in processed_rows(client, resource, USER)
    } == {None}


def test_a_phone_already_registered_is_an_invalid_row(client, digit):
    # Given a person already registered with the first row's phone
    rows = user_rows(3, invalid=0)
    digit.seed_individual(client.tenant_id, str(rows[0][PHONE]).lstrip("0"))
    # When the file is created
    resource = _create_and_wait(client, rows, USER)
    # Then that row is INVALID, so nothing is created
    assert resource["status"] == "invalid"
    processed = processed_rows(client, resource, USER)
    assert_each_input_row_once_with_a_final_status(processed, rows, PHONE)
    assert [row["#status#"] for row in processed] == ["INVALID", "VALID", "VALID"]
    assert "already registered" in processed[0]["#errorDetails#"]
    assert _tenant_records(digit, "employee", client.tenant_id) == []
