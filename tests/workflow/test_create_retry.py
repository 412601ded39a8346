"""The bounded retry loop over several chunks (Distributed Map), with the built-in registry
failing about half of the rows' first attempts on purpose."""

import pytest

from local.samples import facility_rows, workbook_from_rows
from project_factory.sheets.spec import FACILITY
from tests.support.checks import (
    assert_each_input_row_once_with_a_final_status,
    assert_nothing_created_twice,
    header,
    processed_rows,
    registry_entities,
)

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"


@pytest.fixture(scope="module")
def stack_parameters() -> dict[str, str]:
    return {"RegistryTransientFailureRate": "0.5", "ChunkSize": "4", "CreateBatchSize": "3"}


def test_transient_row_failures_heal_within_max_retries_across_chunks(client, stack):
    # Given 22 facilities: 6 chunks of at most 4 rows, about half failing their first attempt
    rows = facility_rows(22, invalid=0)
    file_store_id = client.upload(workbook_from_rows(FACILITY, rows))
    # When they are created
    accepted = client.create(file_store_id, "facility").json()["ResourceDetails"]
    resource = client.wait_until_final(accepted["id"], timeout=180)
    # Then every row is created once, in its original place, after a second attempt
    assert resource["status"] == "created"
    assert resource["additionalDetails"]["counts"]["created"] == 22
    assert resource["additionalDetails"]["counts"]["attempts"] == 2
    processed = processed_rows(client, resource, FACILITY)
    assert_each_input_row_once_with_a_final_status(processed, rows, NAME)
    entities = registry_entities(stack, client.tenant_id, "facility")
    assert len(entities) == 22
    assert_nothing_created_twice(entities)
    ids = {entity["id"]: entity["name"] for entity in entities}
    assert all(
        ids[row[header("HCM_ADMIN_CONSOLE_FACILITY_CODE")]] == row[header(NAME)]
        for row in processed
    )


def test_the_state_carries_keys_and_counts_never_rows(client, stack):
    # Given a created file of 9 facilities
    rows = facility_rows(9, invalid=0)
    accepted = client.create(client.upload(workbook_from_rows(FACILITY, rows)), "facility").json()
    resource = client.wait_until_final(accepted["ResourceDetails"]["id"], timeout=180)
    # When the execution's history is read
    history = stack.history(stack.execution_arn("ResourceCreateStateMachine", resource["id"]))
    # Then no state input or output holds a facility's name
    payloads = " ".join(str(event) for event in history)
    assert not any(row[NAME] in payloads for row in rows)
