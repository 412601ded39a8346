"""The loop gives up at MaxRetries: rows still pending end NOT_CREATED with their reason."""

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
    return {"RegistryTransientFailureRate": "0.5", "MaxRetries": "1"}


def test_rows_still_failing_after_max_retries_leave_the_file_partially_created(client, stack):
    # Given 20 facilities, about half failing their first attempt, and one attempt allowed
    rows = facility_rows(20, invalid=0)
    accepted = client.create(client.upload(workbook_from_rows(FACILITY, rows)), "facility").json()
    # When the file is created
    resource = client.wait_until_final(accepted["ResourceDetails"]["id"], timeout=180)
    # Then it is partially created after 1 attempt, the failed rows saying why
    counts = resource["additionalDetails"]["counts"]
    assert resource["status"] == "partially-created"
    assert counts["attempts"] == 1
    assert counts["created"] + counts["notCreated"] == 20 and counts["notCreated"] > 0
    assert counts["failed"] == 0
    processed = processed_rows(client, resource, FACILITY)
    assert_each_input_row_once_with_a_final_status(processed, rows, NAME)
    failed = [row for row in processed if row["#status#"] == "NOT_CREATED"]
    assert len(failed) == counts["notCreated"]
    assert all("injected transient failure" in row["#errorDetails#"] for row in failed)
    assert {e["row"] for e in resource["additionalDetails"]["rowErrors"]} == {
        index + 2 for index, row in enumerate(processed) if row["#status#"] == "NOT_CREATED"
    }
    entities = registry_entities(stack, client.tenant_id, "facility")
    assert len(entities) == counts["created"]
    assert_nothing_created_twice(entities)
