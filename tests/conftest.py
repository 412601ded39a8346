"""Shared fixtures: the local stack (real template, state machines and handlers on moto)."""

from collections.abc import Iterator

import pytest

from local.stack import LocalStack
from tests.support.api import ProjectFactoryClient

# Waits in the state machines are real time: keep them at their minimum in tests.
FAST = {
    "BackoffSeconds": "1",
    "BackoffMaxSeconds": "1",
    "ConfirmDelaySeconds": "1",
    "MaxRetries": "3",
    "LogLevel": "WARNING",
}


@pytest.fixture(scope="module")
def stack_parameters() -> dict[str, str]:
    """Overridden by a test module that needs other template parameters."""
    return {}


@pytest.fixture(scope="module")
def stack(stack_parameters: dict[str, str]) -> Iterator[LocalStack]:
    with LocalStack(parameter_overrides=FAST | stack_parameters) as running:
        yield running


@pytest.fixture(scope="module")
def api_url(stack: LocalStack) -> Iterator[str]:
    with stack.http_api() as url:
        yield url


@pytest.fixture(scope="module")
def client(api_url: str) -> ProjectFactoryClient:
    return ProjectFactoryClient(api_url)
