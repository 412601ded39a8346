"""Redrive: a partially-created file finishes with `_create` action=retry, without a new
upload, creating only what is missing; concurrent retries start one run."""

import threading

import pytest

from local.samples import facility_rows, workbook_from_rows
from project_factory.sheets.spec import FACILITY
from tests.support.checks import (
    assert_each_input_row_once_with_a_final_status,
    assert_nothing_created_twice,
    processed_rows,
    registry_entities,
)

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"


@pytest.fixture(scope="module")
def stack_parameters() -> dict[str, str]:
    # About half the rows fail their first attempt, and a chunk gets one attempt a run.
    return {"RegistryTransientFailureRate": "0.5", "MaxRetries": "1", "ChunkSize": "4"}


def _partially_created(client, rows):
    file_store_id = client.upload(workbook_from_rows(FACILITY, rows))
    accepted = client.create(file_store_id, "facility").json()["ResourceDetails"]
    resource = client.wait_until_final(accepted["id"], timeout=120)
    assert resource["status"] == "partially-created", resource["additionalDetails"]
    return file_store_id, resource


def _retry(client, file_store_id):
    return client.create(file_store_id, "facility", action="retry")


def test_a_partially_created_file_finishes_by_retry_creating_nothing_twice(client, stack):
    # Given a file of 12 facilities left partially created
    rows = facility_rows(12, invalid=0)
    file_store_id, first = _partially_created(client, rows)
    created_before = first["additionalDetails"]["counts"]["created"]

    # When it is retried
    answer = _retry(client, file_store_id)
    assert answer.status_code == 200, answer.text
    assert answer.json()["ResourceDetails"]["id"] == first["id"]
    resource = client.wait_until_final(first["id"], timeout=120)

    # Then the same resource is created, its processed file saying CREATED for every row
    assert resource["status"] == "created"
    counts = resource["additionalDetails"]["counts"]
    assert counts["created"] == 12 and created_before < 12
    assert counts["attempts"] == 2
    assert resource["processedFileStoreId"] == first["processedFileStoreId"]
    processed = processed_rows(client, resource, FACILITY)
    assert_each_input_row_once_with_a_final_status(processed, rows, NAME)
    assert {row["#status#"] for row in processed} == {"CREATED"}
    # and the registry holds each facility once
    entities = registry_entities(stack, client.tenant_id, "facility")
    assert len(entities) == 12
    assert_nothing_created_twice(entities)


def test_concurrent_retries_start_one_run(client, stack):
    # Given a partially created file
    rows = facility_rows(8, invalid=0)
    file_store_id, first = _partially_created(client, rows)

    # When five retries arrive at once
    answers: list = []
    threads = [
        threading.Thread(target=lambda: answers.append(_retry(client, file_store_id)))
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then all are answered with the same resource, and one execution was started
    assert len(answers) == 5 and all(answer.status_code == 200 for answer in answers)
    assert {answer.json()["ResourceDetails"]["id"] for answer in answers} == {first["id"]}
    resource = client.wait_until_final(first["id"], timeout=120)
    assert resource["status"] == "created"
    assert resource["additionalDetails"]["redrives"] == 1
    machine = stack.physical_id("ResourceCreateStateMachine")
    names = [
        execution["name"]
        for execution in stack.client("stepfunctions").list_executions(stateMachineArn=machine)[
            "executions"
        ]
        if execution["name"].startswith(first["id"])
    ]
    assert sorted(names) == [first["id"], f"{first['id']}-retry-1"]


def test_a_created_file_cannot_be_retried(client):
    # Given a file created in full by a retry
    file_store_id, first = _partially_created(client, facility_rows(12, invalid=0))
    assert _retry(client, file_store_id).status_code == 200
    assert client.wait_until_final(first["id"], timeout=120)["status"] == "created"

    # When it is retried again after it was created
    answer = _retry(client, file_store_id)

    # Then the request is refused, saying why
    assert answer.status_code == 400
    assert answer.json()["Errors"][0]["code"] == "RESOURCE_NOT_RETRYABLE"


def test_a_retry_of_a_file_never_created_is_not_found(client):
    # Given a file never submitted for creation
    file_store_id = client.upload(workbook_from_rows(FACILITY, facility_rows(2, invalid=0)))
    # When it is retried
    answer = _retry(client, file_store_id)
    # Then there is nothing to resume
    assert answer.status_code == 404
    assert answer.json()["Errors"][0]["code"] == "RESOURCE_NOT_FOUND"
