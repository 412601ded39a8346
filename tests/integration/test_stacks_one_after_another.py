"""LocalStacks one after another in one process: each is whole, and leaves nothing behind.

No module-scoped stack here: these tests open their own, with nothing else running.
"""

import os

import pytest
import requests

from local.stack import LocalStack
from tests.conftest import FAST
from tests.support.api import ProjectFactoryClient


def _round_trip(stack: LocalStack) -> bytes:
    """A file up through the API and back through the URL it hands out."""
    with stack.http_api() as api_url:
        client = ProjectFactoryClient(api_url, "mz.again")
        return client.download(client.upload(b"round trip"))


def test_a_second_stack_after_the_first_serves_its_own_files_on_its_own_s3():
    # Given a first stack that served a file and has stopped
    with LocalStack(parameter_overrides=FAST) as first:
        first_s3 = first.s3_url
        assert _round_trip(first) == b"round trip"
    # When a second stack is started in the same process
    with LocalStack(parameter_overrides=FAST) as second:
        # Then it serves files through its own loopback S3, and handlers sign for it
        assert second.s3_url != first_s3
        assert os.environ["FILES_PUBLIC_ENDPOINT"] == second.s3_url
        assert _round_trip(second) == b"round trip"
    # And the first one's S3 is gone
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{first_s3}/", timeout=5)


def test_a_stopped_stack_closes_its_s3_and_restores_the_environment():
    # Given the environment before a stack
    before = os.environ.get("FILES_PUBLIC_ENDPOINT")
    # When a stack starts and stops
    with LocalStack(parameter_overrides=FAST) as stack:
        url = stack.s3_url
        running = requests.get(f"{url}/", timeout=5).status_code
    # Then its S3 answered while it ran, is closed afterwards, and the variable is as before
    assert running == 403
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/", timeout=5)
    assert os.environ.get("FILES_PUBLIC_ENDPOINT") == before
    with pytest.raises(RuntimeError):
        _ = stack.s3_url
