"""The demo's injected faults (adapters/targets/injected_faults.py): a wrapper around any
target that fails a stable share of create rows once, and is otherwise the target itself."""

import pytest
from moto import mock_aws

from project_factory.adapters.targets.base import RecordKeeper
from project_factory.adapters.targets.injected_faults import (
    FaultInjectingTarget,
    with_injected_faults,
)
from project_factory.adapters.targets.registry import registry_target
from project_factory.adapters.usernames import UsernameAllocator
from project_factory.domain.target_calls import PendingRow, TargetResult
from project_factory.flows.template_build import PermanentFacilities
from tests.support.settings import wired_settings
from tests.support.tables import create_registry_table

TABLE = "project-factory-registry"
TENANT = "mz"


@pytest.fixture
def table():
    with mock_aws():
        yield create_registry_table(TABLE)


class _Recording:
    """A target that creates every row it is given and remembers which."""

    resource_type = "facility"
    confirms_by_search = False
    resend_after_seconds = 0.0

    def __init__(self):
        self.sent: list[list[str]] = []

    def create(self, tenant_id, rows):
        self.sent.append([row.client_ref for row in rows])
        return [TargetResult(row.client_ref, "created", id=row.client_ref) for row in rows]

    def find(self, tenant_id, client_refs):
        return {}

    def registered(self, tenant_id, key, values):
        return {"taken"} & set(values)

    def targets_of(self, tenant_id, campaign_id):
        return {"MZ_01": {"target": 1}}


def row(ref, operation="create", **data):
    return PendingRow(ref, 1, {"name": "Central", **data}, operation=operation)


def test_a_rate_of_zero_leaves_the_target_as_it_is(table):
    # Given / When a target is wrapped with no faults to inject
    target = _Recording()

    # Then it is the target itself
    assert with_injected_faults(target, table, 0.0) is target


def test_any_target_fails_each_rows_first_attempt_and_the_second_reaches_it(table):
    # Given any target, with faults for every row
    target = _Recording()
    faulty = with_injected_faults(target, table, 1.0)

    # When two rows are created twice
    first = faulty.create(TENANT, [row("r#1"), row("r#2")])
    second = faulty.create(TENANT, [row("r#1"), row("r#2")])

    # Then the first attempt fails transiently, unsent, and never reaches the target; the
    # second does, in order
    assert [(r.outcome, r.code, r.sent) for r in first] == [
        ("pending", "TRANSIENT_FAULT", False)
    ] * 2
    assert [r.outcome for r in second] == ["created", "created"]
    assert target.sent == [["r#1", "r#2"]]


def test_changes_are_never_failed(table):
    # Given faults for every row
    target = _Recording()
    faulty = with_injected_faults(target, table, 1.0)

    # When an update and a create are sent together
    results = faulty.create(TENANT, [row("r#1", operation="update"), row("r#2")])

    # Then only the create fails; the results keep the rows' order
    assert [r.outcome for r in results] == ["created", "pending"]
    assert target.sent == [["r#1"]]


def test_the_wrapper_answers_what_the_target_can_do_beside_creating(table):
    # Given targets that keep records, list facilities or answer a campaign's targets
    registry = registry_target(
        "facility", wired_settings(registry_table=TABLE, registry_transient_failure_rate=1.0), table
    )
    keeper = with_injected_faults(_Recording(), table, 1.0)

    # When / Then the wrapped ones pass the same protocol checks, and delegate
    assert isinstance(registry, FaultInjectingTarget)
    assert isinstance(registry, RecordKeeper)
    assert isinstance(registry, PermanentFacilities)
    assert registry.permanent_facilities(TENANT) == []
    assert not isinstance(keeper, RecordKeeper)
    assert keeper.targets_of(TENANT, "c-1") == {"MZ_01": {"target": 1}}
    assert keeper.registered(TENANT, "name", ["taken", "free"]) == {"taken"}
    assert (keeper.resource_type, keeper.confirms_by_search) == ("facility", False)


def test_a_row_the_registry_refuses_is_refused_on_its_first_attempt(table):
    # Given the registry with faults for every row
    registry = registry_target(
        "user", wired_settings(registry_table=TABLE, registry_transient_failure_rate=1.0), table
    )

    # When a user without a phone is created
    [result] = registry.create(TENANT, [PendingRow("r#1", 1, {"password": "Pa55@word12"})])

    # Then it is rejected at once, as without faults, not failed first
    assert (result.outcome, result.code) == ("rejected", "MISSING_PHONE")


def test_fill_in_keeps_carried_usernames_and_gives_the_others_new_ones_in_order(table):
    # Given rows, some of which carry a username
    allocator = UsernameAllocator(table, "USR-{tenant}-{sequence:06d}")

    # When their usernames are filled in, twice
    first = allocator.fill_in(TENANT, ["kept", None, "", "also-kept", None])
    second = allocator.fill_in(TENANT, ["kept"])

    # Then the blanks get the next numbers of one allocation, and none is taken when no
    # row needs one
    assert first == ["kept", "USR-MZ-000001", "USR-MZ-000002", "also-kept", "USR-MZ-000003"]
    assert second == ["kept"]
    assert allocator.allocate(TENANT, 1) == ["USR-MZ-000004"]
