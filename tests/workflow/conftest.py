import itertools
from collections.abc import Iterator

import pytest

from tests.fakes.digit_server import FakeDigit
from tests.support.api import ProjectFactoryClient

_tenants = itertools.count(1)


@pytest.fixture
def client(api_url: str) -> ProjectFactoryClient:
    """A client of its own tenant, so tests sharing a stack never see each other's rows."""
    return ProjectFactoryClient(api_url, tenant_id=f"mz.t{next(_tenants)}")


@pytest.fixture(scope="module")
def digit() -> Iterator[FakeDigit]:
    """The DIGIT services of a test module: a stateful fake on 127.0.0.1."""
    with FakeDigit(lifetime_seconds=600) as fake:
        yield fake
