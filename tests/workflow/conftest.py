import itertools

import pytest

from tests.support.api import ProjectFactoryClient

_tenants = itertools.count(1)


@pytest.fixture
def client(api_url: str) -> ProjectFactoryClient:
    """A client of its own tenant, so tests sharing a stack never see each other's rows."""
    return ProjectFactoryClient(api_url, tenant_id=f"mz.t{next(_tenants)}")
