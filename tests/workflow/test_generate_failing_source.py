"""A boundary service that keeps failing: the generation ends `failed` with the reason."""

import pytest

from tests.fakes.digit_server import FakeDigit
from tests.fakes.digit_services import RELATIONSHIP_SEARCH


@pytest.fixture(scope="module")
def stack_parameters(digit: FakeDigit) -> dict[str, str]:
    return {
        "BoundarySource": "digit",
        "BoundaryServiceUrl": digit.url,
        "HttpReadTimeoutSeconds": "1",
    }


def test_a_failing_boundary_source_ends_the_generation_failed_with_its_reason(client, digit, stack):
    # Given a boundary service whose hierarchy exists but whose relationship search answers 503
    digit.set_hierarchy(client.tenant_id, "ADMIN", ["Country", "Province", "District"])
    digit.fail_next(RELATIONSHIP_SEARCH, 20, status=503)
    # When a template is generated
    [row] = client.generate("facilityWithBoundary").json()["GeneratedResource"]
    done = client.wait_until_generated("facilityWithBoundary", row["id"], timeout=180)
    # Then the task was retried, gave up, and the row is failed with the service's error
    assert done["status"] == "failed" and done["fileStoreId"] is None
    error = done["additionalDetails"]["error"]
    assert error["code"] == "TRANSIENT_ERROR" and "503" in error["message"]
    assert digit.calls(RELATIONSHIP_SEARCH) >= 4
    history = stack.history(stack.execution_arn("TemplateGenerateStateMachine", row["id"]))
    failures = [e for e in history if e["type"] == "TaskFailed"]
    assert len(failures) >= 4
