"""resource_create.asl.json in the local stack, creating into the built-in registry."""

import pytest

from local.samples import facility_rows, user_rows, workbook_from_rows
from project_factory.sheets.spec import FACILITY, USER
from tests.support.checks import (
    assert_each_input_row_once_with_a_final_status,
    assert_nothing_created_twice,
    header,
    processed_rows,
    registry_entities,
)

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
PHONE = "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER"


def _create_and_wait(client, rows, spec, action="create"):
    file_store_id = client.upload(workbook_from_rows(spec, rows))
    accepted = client.create(file_store_id, spec.resource_type, action=action)
    assert accepted.status_code == 200, accepted.text
    return client.wait_until_final(accepted.json()["ResourceDetails"]["id"])


def test_all_valid_facilities_are_created_and_the_processed_file_carries_their_ids(client, stack):
    # Given a workbook of 12 valid facilities
    rows = facility_rows(12, invalid=0)
    # When it is uploaded and created
    resource = _create_and_wait(client, rows, FACILITY)
    # Then the resource is created, every row CREATED with the registry's id
    assert resource["status"] == "created"
    assert resource["additionalDetails"]["counts"] == {
        "total": 12,
        "created": 12,
        "invalid": 0,
        "failed": 0,
        "notCreated": 0,
        "skipped": 0,
        "updated": 0,
        "deactivated": 0,
        "attempts": 1,
    }
    processed = processed_rows(client, resource, FACILITY)
    assert_each_input_row_once_with_a_final_status(processed, rows, NAME)
    assert {row["#status#"] for row in processed} == {"CREATED"}
    entities = registry_entities(stack, client.tenant_id, "facility")
    assert sorted(row[header("HCM_ADMIN_CONSOLE_FACILITY_CODE")] for row in processed) == sorted(
        entity["id"] for entity in entities
    )
    assert_nothing_created_twice(entities)


def test_a_file_with_invalid_rows_creates_nothing_and_says_why_per_row(client, stack):
    # Given 10 facilities of which 3 are invalid (capacity 0, a repeated name, an unknown boundary)
    rows = facility_rows(10, invalid=3)
    # When it is uploaded and created
    resource = _create_and_wait(client, rows, FACILITY)
    # Then the resource is invalid, nothing is created, and each invalid row has its reason
    assert resource["status"] == "invalid"
    assert resource["additionalDetails"]["counts"]["invalid"] == 3
    assert len(resource["additionalDetails"]["rowErrors"]) == 3
    processed = processed_rows(client, resource, FACILITY)
    assert_each_input_row_once_with_a_final_status(processed, rows, NAME)
    invalid = [row for row in processed if row["#status#"] == "INVALID"]
    assert len(invalid) == 3
    assert all(row["#errorDetails#"] for row in invalid)
    assert registry_entities(stack, client.tenant_id, "facility") == []


def test_validate_only_checks_the_file_and_creates_nothing(client, stack):
    # Given a valid user workbook
    rows = user_rows(6, invalid=0)
    # When it is submitted with action=validate
    resource = _create_and_wait(client, rows, USER, action="validate")
    # Then it is validated, every row VALID, and no user exists
    assert resource["status"] == "validated"
    processed = processed_rows(client, resource, USER)
    assert_each_input_row_once_with_a_final_status(processed, rows, PHONE)
    assert {row["#status#"] for row in processed} == {"VALID"}
    assert registry_entities(stack, client.tenant_id, "user") == []


def test_users_get_a_username_and_a_one_time_password_kept_only_as_a_hash(client, stack):
    # Given a workbook of 5 users
    rows = user_rows(5, invalid=0)
    # When it is created
    resource = _create_and_wait(client, rows, USER)
    # Then each processed row carries a username the registry holds, with only a hash of
    # its password (handed out in the credentials file, never in the processed one)
    assert resource["status"] == "created"
    processed = processed_rows(client, resource, USER)
    assert_each_input_row_once_with_a_final_status(processed, rows, PHONE)
    entities = {e["username"]: e for e in registry_entities(stack, client.tenant_id, "user")}
    for row in processed:
        username = row[header("HCM_ADMIN_CONSOLE_USER_USERNAME")]
        assert username in entities and not row[header("HCM_ADMIN_CONSOLE_USER_PASSWORD")]
        assert "password" not in entities[username]
        assert entities[username]["passwordHash"].startswith("scrypt$")
    assert_nothing_created_twice(list(entities.values()))


def test_the_same_create_again_returns_the_same_row_and_starts_nothing(client, stack):
    # Given a facility workbook that was submitted once
    file_store_id = client.upload(workbook_from_rows(FACILITY, facility_rows(3, invalid=0)))
    first = client.create(file_store_id, "facility").json()["ResourceDetails"]
    # When the same request comes again
    second = client.create(file_store_id, "facility").json()["ResourceDetails"]
    # Then it is the same row, and only one execution exists for it
    assert second["id"] == first["id"]
    final = client.wait_until_final(first["id"])
    assert (
        client.create(file_store_id, "facility").json()["ResourceDetails"]["status"]
        == final["status"]
    )
    machine = stack.physical_id("ResourceCreateStateMachine")
    executions = stack.client("stepfunctions").list_executions(stateMachineArn=machine)[
        "executions"
    ]
    assert [e["name"] for e in executions].count(first["id"]) == 1
    assert len(registry_entities(stack, client.tenant_id, "facility")) == 3


def test_a_step_that_crashes_ends_in_mark_failed_and_status_failed(client, stack):
    # Given a file that is not a workbook at all
    file_store_id = client.upload(b"this is not a spreadsheet", "broken.xlsx")
    # When it is submitted for creation
    accepted = client.create(file_store_id, "facility").json()["ResourceDetails"]
    resource = client.wait_until_final(accepted["id"])
    # Then Validate's failure went through MarkFailed: failed, with the error's code and message
    assert resource["status"] == "failed"
    assert resource["additionalDetails"]["error"]["code"] == "UNREADABLE_WORKBOOK"
    assert "readable" in resource["additionalDetails"]["error"]["message"]
    history = stack.history(stack.execution_arn("ResourceCreateStateMachine", accepted["id"]))
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]
    assert entered == ["Validate", "MarkFailed", "ExecutionFailed"]


@pytest.mark.parametrize(
    ("field", "value"), [("action", "delete"), ("type", "vehicle"), ("colour", "red")]
)
def test_a_malformed_create_request_is_a_400_that_names_the_field(client, field, value):
    # Given an uploaded file
    file_store_id = client.upload(workbook_from_rows(FACILITY, facility_rows(1, invalid=0)))
    details = {
        "type": "facility",
        "tenantId": client.tenant_id,
        "fileStoreId": file_store_id,
        "action": "create",
        "hierarchyType": "ADMIN",
    }
    # When a request with a wrong action, a wrong type or an unknown field is sent
    answer = client.create_with(details | {field: value})
    # Then it is refused with DIGIT's Errors[] naming the field
    assert answer.status_code == 400
    assert answer.json()["Errors"][0]["params"] == [f"ResourceDetails.{field}"]


def test_a_create_for_a_file_that_does_not_exist_is_a_400(client):
    # When a create names a fileStoreId nobody uploaded
    answer = client.create("no-such-file", "facility")
    # Then it is refused, and nothing is stored
    assert answer.status_code == 400
    assert answer.json()["Errors"][0]["code"] == "FILE_NOT_FOUND"
    assert client.search().json()["ResourceDetails"] == []
