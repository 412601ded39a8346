import time

import pytest

from project_factory.adapters.targets.base import PendingRow
from project_factory.adapters.targets.digit import FacilityTarget
from tests.fakes.digit_services import FACILITY_BULK_CREATE

TENANT = "mz"


def facility(ref: str, name: str = "Central Warehouse") -> PendingRow:
    return PendingRow(
        ref,
        int(ref.rsplit("-", 1)[-1]),
        {
            "name": name,
            "facilityType": "Warehouse",
            "isPermanent": True,
            "capacity": 1500.0,
            "boundaryCodes": ["MZ_NAMPULA", "MZ_ERATI"],
            "usage": "Active",
        },
    )


@pytest.fixture
def target(client) -> FacilityTarget:
    return FacilityTarget(client, batch_size=2)


def test_create_is_pending_and_find_confirms_by_client_reference(digit, target):
    # Given two facility rows
    rows = [facility("res1-1"), facility("res1-2", "District Store")]

    # When they are created
    results = target.create(TENANT, rows)

    # Then the bulk create is only accepted, and a search by reference confirms both
    assert [result.outcome for result in results] == ["pending", "pending"]
    found = target.find(TENANT, ["res1-1", "res1-2"])
    assert {ref: result.outcome for ref, result in found.items()} == {
        "res1-1": "created",
        "res1-2": "created",
    }
    ids = {record["clientReferenceId"]: record["id"] for record in digit.records("facility")}
    assert found["res1-1"].id == ids["res1-1"]


def test_create_sends_the_digit_facility_shape(digit, target):
    # Given a facility row in canonical fields
    # When it is created
    target.create(TENANT, [facility("res1-1")])

    # Then the service got DIGIT's fields: type as usage, capacity as an integer, a locality
    (sent,) = digit.records("facility")
    assert sent["clientReferenceId"] == "res1-1"
    assert sent["usage"] == "Warehouse"
    assert sent["storageCapacity"] == 1500
    assert sent["isPermanent"] is True
    assert sent["address"]["locality"]["code"] == "MZ_NAMPULA"
    assert sent["additionalFields"]["fields"] == [
        {"key": "boundaryCodes", "value": "MZ_NAMPULA,MZ_ERATI"}
    ]


def test_rows_are_sent_in_batches_of_the_batch_size(digit, target):
    # Given five rows and a batch size of two
    rows = [facility(f"res1-{number}") for number in range(1, 6)]

    # When they are created
    target.create(TENANT, rows)

    # Then three bulk calls carried them
    assert digit.calls(FACILITY_BULK_CREATE) == 3
    assert len(digit.records("facility")) == 5


def test_a_delayed_bulk_create_stays_pending_until_visible(digit, target):
    # Given a service that makes bulk creates searchable only after a delay
    digit.visibility_delay_seconds = 0.3

    # When a row is created and searched at once
    (result,) = target.create(TENANT, [facility("res1-1")])
    found_early = target.find(TENANT, ["res1-1"])

    # Then it is pending and not found yet, but found once the service has persisted it
    assert result.outcome == "pending"
    assert found_early == {}
    time.sleep(0.35)
    assert target.find(TENANT, ["res1-1"])["res1-1"].outcome == "created"


def test_a_row_the_service_refuses_is_rejected_and_the_others_still_go(digit, target):
    # Given a service refusing one row of a batch
    digit.reject("res1-2", "name must be at least 2 characters", code="Size")

    # When the batch is created
    results = target.create(TENANT, [facility("res1-1"), facility("res1-2", "X")])

    # Then that row is rejected with the service's code and reason, the other accepted
    by_ref = {result.client_ref: result for result in results}
    assert by_ref["res1-2"].outcome == "rejected"
    assert by_ref["res1-2"].code == "Size"
    assert by_ref["res1-2"].reason == (
        "name must be at least 2 characters (facility /facility/v1/bulk/_create, HTTP 400)"
    )
    assert by_ref["res1-1"].outcome == "pending"
    assert [record["clientReferenceId"] for record in digit.records("facility")] == ["res1-1"]


def test_a_503_leaves_the_row_pending_and_not_sent(digit, target):
    # Given a facility service failing with 503 (it took nothing)
    digit.fail_next(FACILITY_BULK_CREATE, 1, status=503)

    # When rows are created
    (result,) = target.create(TENANT, [facility("res1-1")])

    # Then the row waits for the next attempt, free to be sent again, and nothing exists
    assert (result.outcome, result.sent) == ("pending", False)
    assert "503" in (result.reason or "")
    assert digit.records("facility") == []


def test_a_timeout_is_transient_and_find_confirms_what_the_lost_call_created(digit, target):
    # Given a facility service whose answer arrives after the client's timeout
    digit.timeout_next(FACILITY_BULK_CREATE, 1, seconds=0.5)

    # When a row is created
    (result,) = target.create(TENANT, [facility("res1-1")])

    # Then it is pending and marked sent, and the record the lost call made is found
    assert (result.outcome, result.sent) == ("pending", True)
    assert target.find(TENANT, ["res1-1"])["res1-1"].outcome == "created"


def test_a_retry_never_sends_a_row_an_earlier_attempt_created(digit, target):
    # Given a row whose first create's answer was lost
    digit.timeout_next(FACILITY_BULK_CREATE, 1, seconds=0.5)
    target.create(TENANT, [facility("res1-1")])

    # When the create is retried
    (result,) = target.create(TENANT, [facility("res1-1")])

    # Then the row is answered as created without being sent again
    assert result.outcome == "created"
    assert digit.calls(FACILITY_BULK_CREATE) == 1
    assert digit.duplicates("facility") == 0


def test_a_failure_after_a_first_batch_leaves_the_rest_pending(digit, target):
    # Given four rows, the first two created already, and a service failing the next call
    rows = [facility(f"res1-{number}") for number in range(1, 5)]
    target.create(TENANT, rows[:2])
    digit.fail_next(FACILITY_BULK_CREATE, 1, status=502)

    # When all four are created in batches of two
    results = target.create(TENANT, rows)

    # Then the answers of the first batch are kept and the second batch waits as pending
    assert [result.outcome for result in results] == ["created", "created", "pending", "pending"]
    assert results[2].code == "TRANSIENT_ERROR"


def test_registered_tells_which_facility_ids_exist(digit, target):
    # Given one created facility
    target.create(TENANT, [facility("res1-1")])
    (record,) = digit.records("facility")

    # When ids are checked
    existing = target.registered(TENANT, "id", [record["id"], "F-NOPE"])

    # Then only the existing one is reported
    assert existing == {record["id"]}
