import re
import time
from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from project_factory.adapters.targets.base import Target
from project_factory.adapters.targets.registry import registry_target
from project_factory.domain.target_calls import PendingRow
from project_factory.errors import TransientError
from project_factory.passwords import verify_password
from tests.support.settings import wired_settings
from tests.support.tables import create_registry_table

TABLE = "project-factory-registry"
TENANT = "mz"


@pytest.fixture
def table():
    with mock_aws():
        yield create_registry_table(TABLE)


def target(resource_type, table, failure_rate=0.0):
    settings = wired_settings(registry_table=TABLE, registry_transient_failure_rate=failure_rate)
    return registry_target(resource_type, settings, table=table)


def facility(ref, name="Central Warehouse"):
    return PendingRow(
        ref,
        1,
        {
            "name": name,
            "facilityType": "Warehouse",
            "isPermanent": True,
            "capacity": 1500.5,
            "boundaryCodes": ["MZ_01", "MZ_02"],
            "usage": "Active",
        },
    )


def user(ref, phone="9876543210", password="Pa55@word12"):
    return PendingRow(
        ref,
        2,
        {
            "name": "Ana Tembe",
            "phone": phone,
            "roles": ["REGISTRAR"],
            "employmentType": "Temporary",
            "boundaryCodes": ["MZ_01"],
            "usage": "Active",
            "password": password,
        },
    )


def boundary(ref, code="MZ_01_03", parent="MZ_01"):
    return PendingRow(
        ref,
        3,
        {"code": code, "name": "Chimoio", "boundaryType": "District", "parentCode": parent},
    )


class _with(dict):
    """`row | _with(name=value)`: the row with fields added to its data."""

    def __ror__(self, row):
        return PendingRow(row.client_ref, row.row_number, row.data | dict(self))


def entities(table, resource_type, tenant=TENANT):
    pk = f"ENTITY#{tenant}#{resource_type}"
    return table.query(KeyConditionExpression=Key("pk").eq(pk), ConsistentRead=True)["Items"]


def test_registry_target_satisfies_the_target_protocol(table):
    # Given / When a registry target is built
    registry: Target = target("facility", table)

    # Then it is a synchronous target for that type
    assert registry.resource_type == "facility"
    assert registry.confirms_by_search is False


def test_creates_a_facility_with_its_canonical_fields(table):
    # Given a facility row
    # When it is created
    [result] = target("facility", table).create(TENANT, [facility("res-1#1")])

    # Then it is created with an F- id and stored with Decimal numbers and its client ref
    assert result.outcome == "created"
    assert re.fullmatch(r"F-[0-9A-F]{12}", result.id)
    [item] = entities(table, "facility")
    assert item["sk"] == result.id
    assert item["capacity"] == Decimal("1500.5")
    assert item["isPermanent"] is True
    assert item["boundaryCodes"] == ["MZ_01", "MZ_02"]
    assert item["clientReferenceId"] == "res-1#1"
    assert isinstance(item["createdTime"], Decimal)


def test_creates_a_user_with_a_generated_username_and_never_echoes_the_password(table):
    # Given a user row carrying the password the flow generated
    # When it is created
    [result] = target("user", table).create(TENANT, [user("res-2#1")])

    # Then it gets a uuid and a sequenced username as output, and no password (the flow
    # has it, sealed)
    assert result.outcome == "created"
    assert re.fullmatch(r"[0-9a-f-]{36}", result.id)
    assert result.output == {"username": "USR-MZ-000001"}


def test_usernames_follow_a_sequence_per_tenant(table):
    # Given a user target
    registry = target("user", table)

    # When users are created in two batches and in another tenant
    first = registry.create(TENANT, [user("r#1", "9000000001"), user("r#2", "9000000002")])
    second = registry.create(TENANT, [user("r#3", "9000000003")])
    other = registry.create("pb.amritsar", [user("r#1", "9000000001")])

    # Then numbers continue within a tenant and start again in another
    assert [r.output["username"] for r in first + second] == [
        "USR-MZ-000001",
        "USR-MZ-000002",
        "USR-MZ-000003",
    ]
    assert other[0].output["username"] == "USR-PB-000001"


def test_creates_a_boundary_whose_id_is_its_code(table):
    # Given a boundary row
    # When it is created
    [result] = target("boundary", table).create(TENANT, [boundary("res-3#1")])

    # Then its id is its code and its parent is stored
    assert (result.outcome, result.id) == ("created", "MZ_01_03")
    [item] = entities(table, "boundary")
    assert item["parentCode"] == "MZ_01"


def test_the_same_client_ref_twice_creates_one_record(table):
    # Given a facility already created
    registry = target("facility", table)
    [first] = registry.create(TENANT, [facility("res-1#1")])

    # When the same row is created again (a retry)
    [second] = registry.create(TENANT, [facility("res-1#1")])

    # Then it answers the first record and no second record exists
    assert (second.outcome, second.id) == ("created", first.id)
    assert len(entities(table, "facility")) == 1


def test_a_row_written_again_is_the_same_record_with_the_same_username(table, monkeypatch):
    # Given a user created by an attempt whose answer this attempt's lookup did not see
    registry = target("user", table)
    [first] = registry.create(TENANT, [user("res-2#1")])
    monkeypatch.setattr(registry, "find", lambda tenant, refs: {})

    # When the same row is created again
    [second] = registry.create(TENANT, [user("res-2#1")])

    # Then it is the same record: same id, same username, still one entity
    assert (second.outcome, second.id) == ("created", first.id)
    assert second.output["username"] == first.output["username"] == "USR-MZ-000001"
    assert len(entities(table, "user")) == 1


def _fail_the_ref_claims_write(registry, monkeypatch, reason: str) -> None:
    """The registry's second batch write (its REF claims) fails; the first goes through."""
    write = registry._batch_write
    calls = []

    def fail_second_write(items):
        calls.append(len(items))
        if len(calls) == 2:
            raise TransientError(reason)
        write(items)

    monkeypatch.setattr(registry, "_batch_write", fail_second_write)


def test_a_write_interrupted_before_its_ref_claims_is_finished_by_the_retry(table, monkeypatch):
    # Given a create that fails after writing the records but before the REF claims
    registry = target("facility", table)
    _fail_the_ref_claims_write(registry, monkeypatch, "connection reset")
    with pytest.raises(TransientError):
        registry.create(TENANT, [facility("res-1#1")])
    # When the retry comes (its confirmation already sees the record the write left)
    found = registry.find(TENANT, ["res-1#1"])
    assert found["res-1#1"].outcome == "created"
    [result] = registry.create(TENANT, [facility("res-1#1")])

    # Then the row is created once, not refused as a duplicate of itself
    assert result.outcome == "created"
    assert len(entities(table, "facility")) == 1


def test_the_same_facility_named_with_other_case_and_spacing_is_existing(table):
    # Given a facility named "Central Warehouse"
    registry = target("facility", table)
    [first] = registry.create(TENANT, [facility("res-1#1")])

    # When another upload's row names it with other case and spacing, with the same fields
    [result] = registry.create(TENANT, [facility("res-9#1", name="  central WAREHOUSE ")])

    # Then that row is the existing facility, and no second one is made
    assert (result.outcome, result.id) == ("existing", first.id)
    assert len(entities(table, "facility")) == 1


def test_a_facility_name_held_with_other_fields_is_a_conflict_naming_the_existing_id(table):
    # Given a facility named "Central Warehouse"
    registry = target("facility", table)
    [first] = registry.create(TENANT, [facility("res-1#1")])

    # When another upload's row has the name with another capacity
    row = facility("res-9#1")
    row.data["capacity"] = 20
    [result] = registry.create(TENANT, [row])

    # Then it is a conflict carrying the existing id, the duplicate code and what differs
    assert (result.outcome, result.id, result.code) == ("conflict", first.id, "DUPLICATE_NAME")
    assert result.reason == (
        f"a facility named 'Central Warehouse' already exists ({first.id}), "
        "with a different capacity"
    )
    assert len(entities(table, "facility")) == 1


def test_a_phone_held_by_another_person_is_a_conflict_with_duplicate_phone(table):
    # Given two rows of one batch with the same phone and different names
    other = user("res-2#2")
    other.data["name"] = "Rui Matsinhe"
    rows = [user("res-2#1"), other]

    # When they are created
    first, second = target("user", table).create(TENANT, rows)

    # Then the first is created, the second a conflict naming the phone and the first's id
    assert first.outcome == "created"
    assert (second.outcome, second.code, second.id) == ("conflict", "DUPLICATE_PHONE", first.id)
    assert second.reason == (
        f"phone 9876543210 is already registered ({first.id}), with a different name"
    )
    assert len(entities(table, "user")) == 1


def test_the_same_user_in_another_upload_is_existing_whatever_its_password_and_username(table):
    # Given a user created by one upload
    registry = target("user", table)
    [first] = registry.create(TENANT, [user("res-2#1") | _with(username="USR-MZ-000007")])

    # When another upload has the same person, with its own password and username
    again = user("res-3#1", password="Other@pass99") | _with(username="USR-MZ-000008")
    [result] = registry.create(TENANT, [again])

    # Then it is the existing user (its username answered, no password), not a second one
    assert (result.outcome, result.id) == ("existing", first.id)
    assert result.output == {"username": "USR-MZ-000007"}
    assert len(entities(table, "user")) == 1


def test_a_user_written_without_its_ref_claim_is_found_with_its_username(table, monkeypatch):
    # Given a user whose record was written and whose REF claim was not (throttled)
    registry = target("user", table)
    _fail_the_ref_claims_write(
        registry, monkeypatch, "registry unavailable: ProvisionedThroughputExceededException"
    )
    with pytest.raises(TransientError):
        registry.create(TENANT, [user("res-2#1")])

    # When the row is looked for by its reference
    found = registry.find(TENANT, ["res-2#1", "res-2#9"])

    # Then it is created, with the record's id and username; the unknown one is not found
    assert list(found) == ["res-2#1"]
    [record] = entities(table, "user")
    assert found["res-2#1"].id == record["id"]
    assert found["res-2#1"].output == {"username": record["username"]}


def _interrupted_after_its_claims(registry, monkeypatch, rows):
    """A create that dies at its first batch write: its KEY claims are written, nothing else."""
    write = registry._batch_write

    def fail(items):
        raise TransientError("connection reset")

    monkeypatch.setattr(registry, "_batch_write", fail)
    with pytest.raises(TransientError):
        registry.create(TENANT, rows)
    monkeypatch.setattr(registry, "_batch_write", write)


def test_a_key_claimed_by_a_write_interrupted_before_its_record_is_finished_by_the_retry(
    table, monkeypatch
):
    # Given a create interrupted after claiming its facility's name, before writing the record
    registry = target("facility", table)
    _interrupted_after_its_claims(registry, monkeypatch, [facility("res-1#1")])
    assert entities(table, "facility") == []

    # When the same row is created again
    [result] = registry.create(TENANT, [facility("res-1#1")])

    # Then its own claim lets it in: created once, found by its reference
    assert result.outcome == "created"
    assert [item["id"] for item in entities(table, "facility")] == [result.id]
    assert registry.find(TENANT, ["res-1#1"])["res-1#1"].id == result.id


def test_a_row_whose_key_owner_has_not_written_its_record_is_pending_then_existing(
    table, monkeypatch
):
    # Given upload 1 claimed the name and was interrupted before writing its record
    registry = target("facility", table)
    _interrupted_after_its_claims(registry, monkeypatch, [facility("res-1#1")])

    # When upload 2's row with that name is created, then again once upload 1 is done
    [meanwhile] = registry.create(TENANT, [facility("res-2#1")])
    [owner] = registry.create(TENANT, [facility("res-1#1")])
    [later] = registry.create(TENANT, [facility("res-2#1")])

    # Then it waits (pending, nothing written) and then is upload 1's facility, existing
    assert (meanwhile.outcome, meanwhile.code) == ("pending", "KEY_CLAIMED_NOT_WRITTEN")
    assert "res-1#1" in meanwhile.reason
    assert (owner.outcome, later.outcome, later.id) == ("created", "existing", owner.id)
    assert len(entities(table, "facility")) == 1
    assert registry.find(TENANT, ["res-2#1"]) == {}


def test_a_key_claimed_long_ago_by_a_row_that_never_wrote_its_record_is_taken_over(table):
    # Given a name claimed two days ago by a row whose upload died before writing anything
    table.put_item(
        Item={
            "pk": f"KEY#{TENANT}#facility#central warehouse",
            "sk": "KEY",
            "id": "F-000000000000",
            "clientReferenceId": "dead#1",
            "claimedAt": time.time_ns() // 1_000_000 - 2 * 86_400_000,
        }
    )

    # When another upload's row with that name is created
    [result] = target("facility", table).create(TENANT, [facility("res-2#1")])

    # Then it takes the name over and is created
    assert result.outcome == "created"
    [item] = entities(table, "facility")
    assert (item["id"], item["clientReferenceId"]) == (result.id, "res-2#1")


def test_a_user_without_a_phone_is_rejected_without_a_record(table):
    # Given a user row without a phone
    row = user("res-2#1", phone="  ")

    # When it is created
    [result] = target("user", table).create(TENANT, [row])

    # Then it is rejected and nothing is stored
    assert (result.outcome, result.code) == ("rejected", "MISSING_PHONE")
    assert entities(table, "user") == []


def test_find_confirms_created_rows_and_leaves_out_unknown_refs(table):
    # Given one created user
    registry = target("user", table)
    [created] = registry.create(TENANT, [user("res-2#1")])

    # When its ref and an unknown ref are looked up
    found = registry.find(TENANT, ["res-2#1", "res-2#9"])

    # Then only the created one is answered, with its username but no password
    assert list(found) == ["res-2#1"]
    assert found["res-2#1"].outcome == "created"
    assert found["res-2#1"].id == created.id
    assert found["res-2#1"].output == {"username": "USR-MZ-000001"}


def test_find_reads_more_refs_than_one_batch_get_allows(table):
    # Given 130 created boundaries
    registry = target("boundary", table)
    rows = [boundary(f"res-3#{n}", code=f"B_{n:03d}") for n in range(130)]
    registry.create(TENANT, rows)

    # When all their refs are looked up
    found = registry.find(TENANT, [row.client_ref for row in rows])

    # Then every one is found
    assert len(found) == 130
    assert found["res-3#129"].id == "B_129"


def test_find_does_not_see_another_tenant(table):
    # Given a facility created in one tenant
    registry = target("facility", table)
    registry.create(TENANT, [facility("res-1#1")])

    # When the ref is looked up in another tenant
    # Then nothing is found
    assert registry.find("other", ["res-1#1"]) == {}


def test_registered_returns_the_phones_already_claimed(table):
    # Given a registered phone
    registry = target("user", table)
    registry.create(TENANT, [user("res-2#1", phone="9876543210")])

    # When phones are checked
    registered = registry.registered(TENANT, "phone", ["9876543210", "9123456780"])

    # Then only the registered one is returned
    assert registered == {"9876543210"}


def test_registered_holds_nothing_for_a_key_the_type_is_not_unique_by(table):
    # Given a user registered under a name
    target("user", table).create(TENANT, [user("res-2#9")])
    # When users are asked about by name
    registered = target("user", table).registered(TENANT, "name", ["Ana Tembe"])
    # Then nothing is reported: users are unique by phone only
    assert registered == set()


def test_password_is_stored_only_as_a_salted_hash(table):
    # Given a user row with a password
    # When it is created
    target("user", table).create(TENANT, [user("res-2#1", password="Pa55@word12")])

    # Then no item holds the password, and the user's hash verifies it
    items = table.scan()["Items"]
    assert all("Pa55@word12" not in repr(item) for item in items)
    [entity] = entities(table, "user")
    assert "password" not in entity
    assert verify_password("Pa55@word12", entity["passwordHash"])


def test_injected_transient_failure_heals_on_the_second_attempt(table):
    # Given fault injection for every row
    registry = target("facility", table, failure_rate=1.0)

    # When a row is created twice
    [first] = registry.create(TENANT, [facility("res-1#1")])
    [second] = registry.create(TENANT, [facility("res-1#1")])

    # Then the first attempt is pending with the injected code and the second creates
    assert (first.outcome, first.code) == ("pending", "TRANSIENT_FAULT")
    assert first.reason == "injected transient failure"
    assert second.outcome == "created"
    assert len(entities(table, "facility")) == 1


def test_no_fault_is_injected_when_the_rate_is_zero(table):
    # Given the default rate of zero
    # When rows are created
    results = target("facility", table).create(
        TENANT, [facility(f"res-1#{n}", name=f"F{n}") for n in range(20)]
    )

    # Then all are created on the first attempt
    assert {r.outcome for r in results} == {"created"}


def test_unknown_resource_type_is_refused(table):
    # Given / When / Then the registry does not hold targets
    with pytest.raises(ValueError, match="boundaryWithTarget"):
        target("boundaryWithTarget", table)


# -- throttling: a stubbed client, since moto never throttles --------------------------------


OUTAGES = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
]


@pytest.fixture
def stubbed():
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    with Stubber(table.meta.client) as stubber:
        yield table, stubber


@pytest.mark.parametrize("code", OUTAGES)
def test_throttling_and_5xx_of_the_batch_write_map_to_transient_error(stubbed, code):
    # Given the key claim goes through and the batch write meets a throttling or server error
    table, stubber = stubbed
    stubber.add_response("put_item", {})
    stubber.add_client_error("batch_write_item", service_error_code=code)

    # When / Then the create raises TransientError, from the write
    with pytest.raises(TransientError):
        target("facility", table).create(TENANT, [facility("res-1#1")])
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("code", OUTAGES)
def test_throttling_and_5xx_of_the_conditional_claim_map_to_transient_error(stubbed, code):
    # Given DynamoDB answers the conditional PutItem of the key claim with an outage
    table, stubber = stubbed
    stubber.add_client_error("put_item", service_error_code=code, http_status_code=400)

    # When / Then the create raises TransientError, and nothing else is written
    with pytest.raises(TransientError):
        target("facility", table).create(TENANT, [facility("res-1#1")])
    stubber.assert_no_pending_responses()


@pytest.fixture
def no_backoff(monkeypatch):
    monkeypatch.setattr("project_factory.adapters.dynamo.time.sleep", lambda seconds: None)


def _ref_claim_item(ref: str) -> dict:
    return {
        "pk": {"S": f"REF#{TENANT}#facility#{ref}"},
        "sk": {"S": "REF"},
        "id": {"S": "F-1"},
        "clientReferenceId": {"S": ref},
    }


@pytest.mark.parametrize("code", OUTAGES)
def test_the_last_look_outlasts_a_throttled_read(stubbed, no_backoff, code):
    # Given the first BatchGetItem of a search is refused, and the next one answers
    table, stubber = stubbed
    stubber.add_client_error("batch_get_item", service_error_code=code)
    stubber.add_response("batch_get_item", {"Responses": {TABLE: [_ref_claim_item("res-1#1")]}})

    # When the rows are looked for
    found = target("facility", table).find(TENANT, ["res-1#1"])

    # Then the row is found, from the second call
    assert found["res-1#1"].outcome == "created"
    assert found["res-1#1"].id == "F-1"
    stubber.assert_no_pending_responses()


def test_a_read_refused_every_time_is_transient(stubbed, no_backoff):
    # Given every BatchGetItem of a search is throttled
    table, stubber = stubbed
    for _ in range(6):
        stubber.add_client_error(
            "batch_get_item", service_error_code="ProvisionedThroughputExceededException"
        )

    # When / Then the search raises TransientError once the bounded rounds are spent
    with pytest.raises(TransientError, match="stayed refused"):
        target("facility", table).find(TENANT, ["res-1#1"])
    stubber.assert_no_pending_responses()


def test_a_read_refused_for_another_reason_is_not_retried(stubbed, no_backoff):
    # Given the read is refused for a reason no retry mends
    table, stubber = stubbed
    stubber.add_client_error("batch_get_item", service_error_code="AccessDeniedException")

    # When / Then the error is raised as it came, after one call
    with pytest.raises(ClientError):
        target("facility", table).find(TENANT, ["res-1#1"])
    stubber.assert_no_pending_responses()
