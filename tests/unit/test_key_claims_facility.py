"""DIGIT facilities claim their names in the registry table before the bulk create."""

from collections.abc import Iterator

import pytest
from moto import mock_aws

from project_factory.adapters.dynamo_key_claims import DynamoKeyClaims
from project_factory.adapters.http import JsonHttpClient
from project_factory.adapters.key_claims import key_pk
from project_factory.adapters.targets.digit import FacilityTarget
from project_factory.adapters.targets.digit.facility import CLAIM_KIND
from project_factory.domain.target_calls import PendingRow
from tests.fakes.digit_server import FakeDigit
from tests.fakes.digit_services import FACILITY_BULK_CREATE
from tests.support.tables import create_registry_table

TENANT = "mz"
TABLE = "project-factory-registry"
TIMEOUT_SECONDS = 2.0


@pytest.fixture
def digit() -> Iterator[FakeDigit]:
    with FakeDigit(lifetime_seconds=30) as fake:
        yield fake


@pytest.fixture
def table():
    with mock_aws():
        yield create_registry_table(TABLE)


@pytest.fixture
def target(digit, table) -> FacilityTarget:
    client = JsonHttpClient(digit.url, "test-token", TIMEOUT_SECONDS, TIMEOUT_SECONDS)
    return FacilityTarget(client, batch_size=10, claims=DynamoKeyClaims(table))


def facility(ref: str, name: str = "Central Warehouse", capacity: float = 1500.0) -> PendingRow:
    return PendingRow(
        ref,
        1,
        {
            "name": name,
            "facilityType": "Warehouse",
            "isPermanent": True,
            "capacity": capacity,
            "boundaryCodes": ["MZ_NAMPULA", "MZ_ERATI"],
            "usage": "Active",
        },
    )


def claim_owner(table, name: str) -> str | None:
    key = {"pk": key_pk(TENANT, CLAIM_KIND, name), "sk": "KEY"}
    item = table.get_item(Key=key, ConsistentRead=True).get("Item")
    return item["clientReferenceId"] if item else None


def test_a_name_is_claimed_by_the_row_sent_with_it(digit, target, table):
    # Given a facility row
    # When it is created
    [result] = target.create(TENANT, [facility("res1:1")])

    # Then it is sent, and its name (as normalised) is claimed by its reference
    assert result.outcome == "pending"
    assert [record["clientReferenceId"] for record in digit.records("facility")] == ["res1:1"]
    assert claim_owner(table, "central warehouse") == "res1:1"


def test_the_same_facility_in_another_upload_is_existing_and_not_sent(digit, target):
    # Given a facility created (and searchable) from upload 1
    target.create(TENANT, [facility("res1:1")])
    [record] = digit.records("facility")

    # When upload 2 has the same facility, its name in other case and spacing
    [result] = target.create(TENANT, [facility("res2:1", name=" central WAREHOUSE")])

    # Then it is that facility, existing with its id, and nothing more was sent
    assert (result.outcome, result.id) == ("existing", record["id"])
    assert len(digit.records("facility")) == 1
    assert digit.calls(FACILITY_BULK_CREATE) == 1


def test_a_name_held_with_other_fields_is_a_conflict_with_the_holders_id(digit, target):
    # Given a facility created from upload 1
    target.create(TENANT, [facility("res1:1")])
    [record] = digit.records("facility")

    # When upload 2 has a facility of that name with another capacity
    [result] = target.create(TENANT, [facility("res2:1", capacity=20)])

    # Then it is a conflict naming the name and the existing id; nothing is sent
    assert (result.outcome, result.id, result.code) == ("conflict", record["id"], "DUPLICATE_NAME")
    assert result.reason == (
        f"a facility named 'Central Warehouse' already exists ({record['id']}), "
        "with a different capacity"
    )
    assert len(digit.records("facility")) == 1


def test_a_name_whose_holder_is_not_searchable_yet_is_pending_and_not_sent(digit, target):
    # Given a facility sent from upload 1 that the service has not made searchable yet
    digit.visibility_delay_seconds = 600
    target.create(TENANT, [facility("res1:1")])

    # When upload 2 has the same facility
    [result] = target.create(TENANT, [facility("res2:1")])

    # Then it waits for the next attempt, not sent, naming the row that holds the name
    assert (result.outcome, result.code, result.sent) == (
        "pending",
        "KEY_CLAIMED_NOT_WRITTEN",
        False,
    )
    assert "res1:1" in result.reason
    assert [record["clientReferenceId"] for record in digit.records("facility")] == ["res1:1"]


def test_a_row_the_service_refuses_gives_its_name_back(digit, target, table):
    # Given upload 1's row refused by the service
    digit.reject("res1:1", "boundary MZ_ERATI is not a locality", code="INVALID_BOUNDARY")
    [refused] = target.create(TENANT, [facility("res1:1")])

    # When upload 2 sends a facility of that name
    [result] = target.create(TENANT, [facility("res2:1")])

    # Then the refused row held no claim, and upload 2's row is sent and owns the name
    assert refused.outcome == "rejected"
    assert result.outcome == "pending"
    assert [record["clientReferenceId"] for record in digit.records("facility")] == ["res2:1"]
    assert claim_owner(table, "central warehouse") == "res2:1"


def test_a_row_whose_send_failed_keeps_its_name_and_is_sent_on_the_retry(digit, target, table):
    # Given a row whose bulk create failed with a 503 (the service took nothing)
    digit.fail_next(FACILITY_BULK_CREATE, 1, status=503)
    [first] = target.create(TENANT, [facility("res1:1")])

    # When the same row is created again
    [second] = target.create(TENANT, [facility("res1:1")])

    # Then its own claim lets it through: sent once, created once
    assert (first.outcome, second.outcome) == ("pending", "pending")
    assert [record["clientReferenceId"] for record in digit.records("facility")] == ["res1:1"]
    assert claim_owner(table, "central warehouse") == "res1:1"


def test_two_rows_of_one_batch_with_one_name_send_one_facility(digit, target):
    # Given one batch with two rows of the same facility name
    rows = [facility("res1:1"), facility("res1:2", name="CENTRAL warehouse")]

    # When it is created, and again once the first is searchable
    first = target.create(TENANT, rows)
    [again] = target.create(TENANT, [rows[1]])

    # Then only the first row is sent; the second waits, then is that facility
    assert [result.outcome for result in first] == ["pending", "pending"]
    [record] = digit.records("facility")
    assert record["clientReferenceId"] == "res1:1"
    assert (again.outcome, again.id) == ("existing", record["id"])


def test_without_a_claims_store_names_are_not_claimed(digit, table):
    # Given a facility target built without a claims store (as before)
    client = JsonHttpClient(digit.url, "test-token", TIMEOUT_SECONDS, TIMEOUT_SECONDS)
    plain = FacilityTarget(client, batch_size=10)

    # When two uploads send the same facility
    plain.create(TENANT, [facility("res1:1")])
    plain.create(TENANT, [facility("res2:1")])

    # Then both are sent and no claim is written
    assert len(digit.records("facility")) == 2
    assert claim_owner(table, "central warehouse") is None
