"""Fixtures for adapter tests: a fake DIGIT per test and clients with short timeouts."""

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from project_factory.adapters.http import JsonHttpClient, QueryValue
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


class InterceptingClient(JsonHttpClient):
    """A client of the fake whose every call first passes `before`: where a test makes the
    service (or another client) do something between our calls."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "test-token", TIMEOUT_SECONDS, TIMEOUT_SECONDS)

    def before(self, path: str, body: Mapping[str, Any]) -> None:
        """Called with the call's path (always with its leading slash: paths are settings,
        with or without it) and body, before it is sent."""

    def post(
        self,
        path: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, QueryValue] | None = None,
    ) -> dict[str, Any]:
        self.before("/" + path.lstrip("/"), body or {})
        return super().post(path, body, params)
