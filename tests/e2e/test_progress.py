"""Live progress seen from outside: `_search` shows where a running file is.

The registry fails every row's first attempt, and two rows make a chunk, so five rows run
as three chunks over two attempts with a backoff between: long enough to watch.
"""

import time

import pytest

from tests.e2e.retry_files import facility_file
from tests.support.served_stack import FINAL_RESOURCE_STATUSES

NAMES = [f"Kolo Post {number}" for number in range(1, 6)]
POLL_SECONDS = 0.05


@pytest.fixture(scope="module")
def served_overrides() -> dict[str, str]:
    return {"RegistryTransientFailureRate": "1", "ChunkSize": "2", "BackoffSeconds": "2"}


def _watch(integrator, resource_id: str, timeout: float = 120.0) -> tuple[list[dict], dict]:
    """Every distinct progress `_search` showed until the row was final, and that row."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [row] = integrator.search(id=[resource_id])
        live = row["additionalDetails"].get("progress")
        if row["status"] in FINAL_RESOURCE_STATUSES:
            return seen, row
        if live and (not seen or seen[-1] != live):
            seen.append(live)
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"{resource_id} not final after {timeout}s; progress seen: {seen}")


def test_search_shows_the_stage_chunks_attempt_and_next_retry_of_a_running_file(integrator):
    # Given five facilities, three chunks, every row failing its first attempt
    file_store_id = integrator.upload(facility_file(integrator, NAMES))
    # When the file is created and its row searched while it runs
    accepted = integrator.create(file_store_id, "facility")
    seen, final = _watch(integrator, accepted["id"])
    # Then the row showed the run between attempts: all five rows read, three chunks, rows
    # pending after the first attempt with the time the loop comes back
    assert seen, "no progress was ever shown"
    between = [p for p in seen if p["stage"] == "creating" and p.get("attempt") == 1]
    assert between, seen
    first = between[-1]
    assert (first["total"], first["validated"], first["chunks"]) == (5, 5, 3), first
    assert first["pending"] > 0 and first["created"] == 0, first
    assert first["nextRetryAt"] is not None and first["nextRetryAt"] > 0, first
    assert first["done"] == first["total"] - first["pending"], first
    # And the counts only grew, every snapshot within the total
    done = [p["done"] for p in seen]
    assert done == sorted(done) and all(0 <= d <= 5 for d in done), seen
    # And the final row has its counts and no progress left
    assert final["status"] == "created", final["additionalDetails"]
    assert final["additionalDetails"]["counts"]["created"] == 5
    assert "progress" not in final["additionalDetails"]
