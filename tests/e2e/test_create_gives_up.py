"""The retry loop's bound seen from outside: rows still failing after MaxRetries end with
their reason, and the resource says so; it never stays in progress."""

import pytest

from tests.e2e import workbooks as wb
from tests.e2e.retry_files import facility_file

NAMES = ["Kolo Shed 1", "Kolo Shed 2", "Kolo Shed 3"]


@pytest.fixture(scope="module")
def served_overrides() -> dict[str, str]:
    # Every row's first attempt fails, and there is only one.
    return {"RegistryTransientFailureRate": "1", "MaxRetries": "1"}


def test_rows_not_created_within_max_retries_end_with_their_reason(integrator):
    # Given three facilities, the last Inactive, whose first attempt the registry fails
    data = facility_file(integrator, NAMES, inactive={"Kolo Shed 3"})
    # When the file is created with one attempt allowed
    resource = integrator.create_and_wait(integrator.upload(data), "facility")
    # Then nothing is created; the active rows say after how many attempts and why, the
    # inactive one is skipped, and the resource is final with the counts
    assert resource["status"] == "failed", resource["additionalDetails"]
    counts = resource["additionalDetails"]["counts"]
    assert (counts["created"], counts["skipped"], counts["attempts"]) == (0, 1, 1), counts
    processed = wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.FACILITY_NAME)
    wb.assert_each_input_row_once_with_a_final_status(processed, wb.FACILITY_NAME, NAMES)
    statuses = [row[wb.STATUS] for row in processed]
    assert statuses[2] == "SKIPPED", statuses
    assert statuses[:2] in (["NOT_CREATED"] * 2, ["FAILED"] * 2), statuses
    assert all("1 attempt" in row[wb.ERRORS] for row in processed[:2]), processed
    assert not any(row[wb.FACILITY_CODE] for row in processed)
    assert len(resource["additionalDetails"]["rowErrors"]) == 2
