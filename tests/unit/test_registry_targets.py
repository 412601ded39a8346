"""The built-in store of campaign targets: one item per campaign and boundary."""

from collections.abc import Iterator
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from moto import mock_aws

from project_factory.adapters.targets.injected_faults import with_injected_faults
from project_factory.adapters.targets.registry_targets import RegistryBoundaryTargets
from project_factory.domain.target_calls import PendingRow
from tests.support.tables import create_registry_table

TABLE = "project-factory-registry"
TENANT = "mz"
CAMPAIGN = "CMP-1"
TARGET = "HCM_ADMIN_CONSOLE_TARGET"
SHADI, NERAGE, KOLO = "SHADI_A11E8E", "NERAGE_866B43", "KOLO_F765D1"


@pytest.fixture
def table() -> Iterator[Any]:
    with mock_aws():
        yield create_registry_table(TABLE)


def row(ref: str, code: str = SHADI, target: int = 120, campaign: str = CAMPAIGN) -> PendingRow:
    """A validated target row: its boundary, its targets and its campaign."""
    return PendingRow(
        ref, 2, {"boundaryCode": code, "targets": {TARGET: target}, "campaignId": campaign}
    )


def items(table: Any, tenant: str = TENANT, campaign: str = CAMPAIGN) -> list[dict[str, Any]]:
    """The campaign's target items, one per boundary."""
    pk = f"TARGET#{tenant}#{campaign}"
    return table.query(KeyConditionExpression=Key("pk").eq(pk), ConsistentRead=True)["Items"]


def test_a_new_boundarys_targets_are_created_and_answered_by_targets_of(table: Any) -> None:
    # Given the campaign has no targets yet
    registry = RegistryBoundaryTargets(table)

    # When a row sets Shadi's target
    [result] = registry.create(TENANT, [row("res-1#2")])

    # Then the targets are created, known by campaign and boundary, and answered
    assert (result.outcome, result.id) == ("created", f"{CAMPAIGN}:{SHADI}")
    assert registry.targets_of(TENANT, CAMPAIGN) == {SHADI: {TARGET: 120}}


def test_the_same_row_sent_again_is_created_again_without_a_second_item(table: Any) -> None:
    # Given a row that created Shadi's targets
    registry = RegistryBoundaryTargets(table)
    [first] = registry.create(TENANT, [row("res-1#2")])

    # When the same row is sent again (a retry)
    [again] = registry.create(TENANT, [row("res-1#2")])

    # Then it answers what it did, and the boundary still has one item
    assert (again.outcome, again.id) == ("created", first.id)
    assert [item["sk"] for item in items(table)] == [SHADI]


def test_another_uploads_row_with_the_same_values_is_existing(table: Any) -> None:
    # Given Shadi's target set to 120 by one upload
    registry = RegistryBoundaryTargets(table)
    registry.create(TENANT, [row("res-1#2")])

    # When another upload's row sets the same value
    [result] = registry.create(TENANT, [row("res-2#2")])

    # Then nothing changes: the targets are the first upload's, as they were
    assert (result.outcome, result.id) == ("existing", f"{CAMPAIGN}:{SHADI}")
    [item] = items(table)
    assert (item["createdBy"], item["setBy"]) == ("res-1#2", "res-1#2")


def test_another_uploads_row_with_other_values_updates_them(table: Any) -> None:
    # Given Shadi's target set to 120 by one upload
    registry = RegistryBoundaryTargets(table)
    registry.create(TENANT, [row("res-1#2")])

    # When another upload's row sets 200
    [result] = registry.create(TENANT, [row("res-2#2", target=200)])

    # Then the targets are updated in place: the new value, set by the new row
    assert (result.outcome, result.id) == ("updated", f"{CAMPAIGN}:{SHADI}")
    assert registry.targets_of(TENANT, CAMPAIGN) == {SHADI: {TARGET: 200}}
    [item] = items(table)
    assert (item["createdBy"], item["setBy"]) == ("res-1#2", "res-2#2")


def test_the_updating_row_sent_again_is_updated_again_and_changes_nothing(table: Any) -> None:
    # Given a row that updated Shadi's target to 200
    registry = RegistryBoundaryTargets(table)
    registry.create(TENANT, [row("res-1#2")])
    registry.create(TENANT, [row("res-2#2", target=200)])
    before = items(table)

    # When it is sent again (a retry)
    [again] = registry.create(TENANT, [row("res-2#2", target=200)])

    # Then it answers what it did, recognised by setBy, and the item is as it was
    assert again.outcome == "updated"
    assert items(table) == before


def test_the_creating_row_sent_again_after_another_upload_changed_the_targets_keeps_them(
    table: Any,
) -> None:
    # Given a row that created Shadi's target (120), then another upload that set it to 200
    registry = RegistryBoundaryTargets(table)
    registry.create(TENANT, [row("res-1#2")])
    registry.create(TENANT, [row("res-2#2", target=200)])

    # When the first row is sent again
    [again] = registry.create(TENANT, [row("res-1#2")])

    # Then it is recognised by createdBy: created, and the later upload's value stays
    assert again.outcome == "created"
    assert registry.targets_of(TENANT, CAMPAIGN) == {SHADI: {TARGET: 200}}


def test_an_updating_row_sent_again_after_a_later_upload_changed_the_targets_writes_nothing(
    table: Any,
) -> None:
    # Given upload 2 set Shadi's target to 200 (its answer and claim lost), then upload 3
    # set it to 300
    registry = RegistryBoundaryTargets(table)
    registry.create(TENANT, [row("res-1#2")])
    registry.create(TENANT, [row("res-2#2", target=200)])
    registry.create(TENANT, [row("res-3#2", target=300)])

    # When upload 2's row is sent again (it is no longer setBy)
    [again] = registry.create(TENANT, [row("res-2#2", target=200)])

    # Then it is known as done (it set the targets once) and upload 3's value stands
    assert again.outcome == "updated"
    assert registry.targets_of(TENANT, CAMPAIGN) == {SHADI: {TARGET: 300}}
    [item] = items(table)
    assert item["setBy"] == "res-3#2"
    assert item["setters"] == {"res-1#2", "res-2#2", "res-3#2"}


def test_a_row_that_lost_a_race_for_a_new_boundary_is_pending_then_compares_again(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given upload 2 writes Shadi's target (200) between upload 1's read and its write
    registry = RegistryBoundaryTargets(table)
    other = RegistryBoundaryTargets(table)
    read = registry._held
    raced = []

    def read_then_the_other_upload_writes(tenant_id: str, rows: list[PendingRow]) -> Any:
        held = read(tenant_id, rows)
        other.create(TENANT, [row("res-2#2", target=200)])
        raced.append(held)
        return held

    monkeypatch.setattr(registry, "_held", read_then_the_other_upload_writes)

    # When upload 1's row (120) is created, then sent again once the race is over
    [lost] = registry.create(TENANT, [row("res-1#2")])
    monkeypatch.setattr(registry, "_held", read)
    [next_attempt] = registry.create(TENANT, [row("res-1#2")])

    # Then it is pending, nothing overwritten, and its next attempt compares and updates
    assert raced == [{}]
    assert (lost.outcome, lost.code) == ("pending", "TARGETS_CHANGED")
    assert next_attempt.outcome == "updated"
    assert registry.targets_of(TENANT, CAMPAIGN) == {SHADI: {TARGET: 120}}


def test_a_row_that_lost_a_race_for_an_update_is_pending_and_leaves_the_winners_value(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Shadi's target is 120, and upload 3 sets 300 between upload 2's read and write
    registry = RegistryBoundaryTargets(table)
    registry.create(TENANT, [row("res-1#2")])
    other = RegistryBoundaryTargets(table)
    read = registry._held
    raced = []

    def read_then_the_other_upload_writes(tenant_id: str, rows: list[PendingRow]) -> Any:
        held = read(tenant_id, rows)
        other.create(TENANT, [row("res-3#2", target=300)])
        raced.append(held)
        return held

    monkeypatch.setattr(registry, "_held", read_then_the_other_upload_writes)

    # When upload 2's row (200) is created
    [lost] = registry.create(TENANT, [row("res-2#2", target=200)])

    # Then it is pending and the winner's value stands; no REF claim says otherwise
    assert len(raced) == 1
    assert (lost.outcome, lost.code) == ("pending", "TARGETS_CHANGED")
    assert registry.targets_of(TENANT, CAMPAIGN) == {SHADI: {TARGET: 300}}
    assert registry.find(TENANT, ["res-2#2"]) == {}


def test_find_answers_each_rows_outcome_from_its_ref_claim(table: Any) -> None:
    # Given upload 1 created Shadi's and Nerage's targets, and upload 2 set Shadi's to the
    # same value and Nerage's to another
    registry = RegistryBoundaryTargets(table)
    registry.create(TENANT, [row("res-1#2"), row("res-1#3", code=NERAGE, target=80)])
    registry.create(TENANT, [row("res-2#2"), row("res-2#3", code=NERAGE, target=90)])

    # When the rows and an unknown one are looked for
    found = registry.find(TENANT, ["res-1#2", "res-1#3", "res-2#2", "res-2#3", "res-9#9"])

    # Then each row answers what it did, with its target's id; the unknown one is not found
    assert {ref: (result.outcome, result.id) for ref, result in found.items()} == {
        "res-1#2": ("created", f"{CAMPAIGN}:{SHADI}"),
        "res-1#3": ("created", f"{CAMPAIGN}:{NERAGE}"),
        "res-2#2": ("existing", f"{CAMPAIGN}:{SHADI}"),
        "res-2#3": ("updated", f"{CAMPAIGN}:{NERAGE}"),
    }


def test_campaigns_keep_their_own_targets_for_the_same_boundary(table: Any) -> None:
    # Given two campaigns over Shadi
    registry = RegistryBoundaryTargets(table)

    # When each sets Shadi's target
    results = registry.create(
        TENANT, [row("res-1#2", target=120), row("res-2#2", target=300, campaign="CMP-2")]
    )

    # Then both are created, and each campaign has its own
    assert [result.outcome for result in results] == ["created", "created"]
    assert registry.targets_of(TENANT, CAMPAIGN) == {SHADI: {TARGET: 120}}
    assert registry.targets_of(TENANT, "CMP-2") == {SHADI: {TARGET: 300}}


def test_tenants_keep_their_own_targets_and_claims(table: Any) -> None:
    # Given a row of one tenant that set Shadi's target for a campaign
    registry = RegistryBoundaryTargets(table)
    registry.create(TENANT, [row("res-1#2", target=120)])

    # When another tenant's row sets the same value for a campaign of the same id
    [other] = registry.create("pb", [row("res-7#2", target=120)])

    # Then it is created in its own tenant, not the first tenant's existing targets; neither
    # tenant sees the other's targets or claims
    assert other.outcome == "created"
    assert registry.targets_of(TENANT, CAMPAIGN) == {SHADI: {TARGET: 120}}
    assert registry.targets_of("pb", CAMPAIGN) == {SHADI: {TARGET: 120}}
    assert [item["setBy"] for item in items(table, tenant="pb")] == ["res-7#2"]
    assert registry.find("pb", ["res-1#2"]) == {}
    assert set(registry.find(TENANT, ["res-1#2", "res-7#2"])) == {"res-1#2"}


def test_injected_faults_fail_each_rows_first_attempt_and_the_second_goes_through(
    table: Any,
) -> None:
    # Given fault injection for every row
    registry = with_injected_faults(RegistryBoundaryTargets(table), table, failure_rate=1.0)
    rows = [row("res-1#2"), row("res-1#3", code=NERAGE, target=80)]

    # When the rows are created twice
    first = registry.create(TENANT, rows)
    second = registry.create(TENANT, rows)

    # Then the first attempt is pending with the injected code, unsent and unwritten, and
    # the second creates them
    assert [(r.outcome, r.code, r.sent) for r in first] == [
        ("pending", "TRANSIENT_FAULT", False),
        ("pending", "TRANSIENT_FAULT", False),
    ]
    assert [r.outcome for r in second] == ["created", "created"]
    assert registry.targets_of(TENANT, CAMPAIGN) == {SHADI: {TARGET: 120}, NERAGE: {TARGET: 80}}


def test_a_throttled_write_leaves_its_row_pending_and_sent_while_the_others_are_created(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the table throttles the write of Nerage's targets
    put_item = table.put_item
    throttled = []

    def throttle_nerage(**arguments: Any) -> Any:
        if arguments["Item"]["sk"] == NERAGE:
            throttled.append(arguments["Item"]["pk"])
            error = {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}
            raise ClientError({"Error": error}, "PutItem")
        return put_item(**arguments)

    monkeypatch.setattr(table, "put_item", throttle_nerage)
    registry = RegistryBoundaryTargets(table)
    rows = [row("res-1#2"), row("res-1#3", code=NERAGE, target=80), row("res-1#4", code=KOLO)]

    # When a batch of three rows is created
    results = registry.create(TENANT, rows)

    # Then Nerage's row is pending and marked sent (to be looked for before it is sent
    # again); the others are created and claimed
    assert throttled == [f"TARGET#{TENANT}#{CAMPAIGN}"]
    assert [(r.client_ref, r.outcome, r.sent) for r in results] == [
        ("res-1#2", "created", False),
        ("res-1#3", "pending", True),
        ("res-1#4", "created", False),
    ]
    assert results[1].code == "TRANSIENT_ERROR"
    assert results[1].reason == "registry unavailable: ProvisionedThroughputExceededException"
    assert registry.targets_of(TENANT, CAMPAIGN) == {SHADI: {TARGET: 120}, KOLO: {TARGET: 120}}
    assert set(registry.find(TENANT, [r.client_ref for r in rows])) == {"res-1#2", "res-1#4"}
