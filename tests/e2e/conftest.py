"""The e2e suite: the stack started as a separate process, driven over plain HTTP.

Each module gets one served stack (`served`), started with FAST_OVERRIDES and what the
module's `served_overrides` adds; each test gets an `integrator` of a tenant of its own,
so tests sharing a stack never see each other's rows, templates or campaigns.
"""

import itertools
from collections.abc import Iterator

import pytest

from tests.support.served_stack import FAST_OVERRIDES, Integrator, ServedStack, served_stack

_tenants = itertools.count(1)


@pytest.fixture(scope="module")
def served_overrides() -> dict[str, str]:
    """Overridden by a module that needs other template parameters."""
    return {}


@pytest.fixture(scope="module")
def served(
    served_overrides: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedStack]:
    with served_stack(
        FAST_OVERRIDES | served_overrides, log_dir=tmp_path_factory.mktemp("served")
    ) as stack:
        yield stack


@pytest.fixture
def integrator(served: ServedStack) -> Integrator:
    return served.client(tenant_id=f"mz.e2e{next(_tenants)}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failing test shows the end of its stack's log (the stack's side of the story)."""
    outcome = yield
    report = outcome.get_result()
    stack = getattr(item, "funcargs", {}).get("served")
    # (unless the failure quotes it already, as the client's timeouts do)
    if (
        report.failed
        and isinstance(stack, ServedStack)
        and str(stack.log_path) not in str(report.longrepr)
    ):
        report.sections.append(("served stack", stack.diagnostics()))
