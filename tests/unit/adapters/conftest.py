"""Fixtures for adapter tests: a fake DIGIT per test and clients with short timeouts."""

from collections.abc import Iterator

import pytest

from project_factory.adapters.http import JsonHttpClient
from tests.fakes.digit_server import FakeDigit

# Short, so that a timeout test takes a fraction of a second.
TIMEOUT_SECONDS = 0.2


@pytest.fixture
def digit() -> Iterator[FakeDigit]:
    with FakeDigit(lifetime_seconds=30) as fake:
        yield fake


@pytest.fixture
def client(digit: FakeDigit) -> JsonHttpClient:
    return JsonHttpClient(digit.url, "test-token", TIMEOUT_SECONDS, TIMEOUT_SECONDS)
