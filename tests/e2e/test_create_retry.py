"""The retry loop seen from outside: a registry that fails every row's first attempt, and
a file spread over several chunks of the Distributed Map."""

import pytest

from tests.e2e import workbooks as wb
from tests.e2e.retry_files import facility_file

NAMES = [f"Kolo Store {number}" for number in range(1, 6)]


@pytest.fixture(scope="module")
def served_overrides() -> dict[str, str]:
    # Every row's first attempt fails; two rows per chunk, so five rows are three chunks.
    return {"RegistryTransientFailureRate": "1", "ChunkSize": "2", "MaxRetries": "3"}


def test_rows_failing_once_are_created_by_the_next_attempt_in_every_chunk(integrator):
    # Given five facilities, spread over three chunks, each failing once in the registry
    file_store_id = integrator.upload(facility_file(integrator, NAMES))
    # When the file is created
    resource = integrator.create_and_wait(file_store_id, "facility")
    # Then every row is created, on the second attempt
    assert resource["status"] == "created", resource["additionalDetails"]
    counts = resource["additionalDetails"]["counts"]
    assert (counts["created"], counts["attempts"]) == (5, 2), counts
    processed = wb.sheet_rows(integrator.fetch(resource["processedFileStoreId"]), wb.FACILITY_NAME)
    wb.assert_each_input_row_once_with_a_final_status(processed, wb.FACILITY_NAME, NAMES)
    assert [row[wb.STATUS] for row in processed] == ["CREATED"] * 5
    ids = [row[wb.FACILITY_CODE] for row in processed]
    assert all(ids) and len(set(ids)) == 5, ids
