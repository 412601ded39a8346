import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from moto import mock_aws

from project_factory.adapters.dynamo_key_claims import DynamoKeyClaims
from project_factory.adapters.key_claims import ClaimRequest
from project_factory.adapters.targets.digit import FacilityTarget
from project_factory.adapters.targets.digit.facility import CLAIM_KIND
from project_factory.domain.target_calls import Operation, PendingRow
from tests.fakes.digit_server import FakeDigit
from tests.fakes.digit_services import FACILITY_BULK_CREATE, FACILITY_SEARCH, FACILITY_UPDATE
from tests.support.tables import create_registry_table
from tests.unit.adapters.conftest import InterceptingClient

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

    # Then the service got DIGIT's fields: type as usage, capacity as an integer, a locality,
    # and every code and our usage (Active / Inactive) in additionalFields
    (sent,) = digit.records("facility")
    assert sent["clientReferenceId"] == "res1-1"
    assert sent["usage"] == "Warehouse"
    assert sent["storageCapacity"] == 1500
    assert sent["isPermanent"] is True
    assert sent["address"]["locality"]["code"] == "MZ_NAMPULA"
    assert sent["additionalFields"]["fields"] == [
        {"key": "boundaryCodes", "value": "MZ_NAMPULA,MZ_ERATI"},
        {"key": "usage", "value": "Active"},
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


def test_a_first_attempt_sends_without_searching_and_a_lost_answer_is_found_after(digit, target):
    # Given a row whose first create's answer is lost
    digit.timeout_next(FACILITY_BULK_CREATE, 1, seconds=0.5)

    # When it is created, and then looked for by its reference (as the flow confirms)
    (first,) = target.create(TENANT, [facility("res1-1")])
    found = target.find(TENANT, ["res1-1"])

    # Then the create was the only call (no search before it), the row stays pending as
    # sent, and the search finds the facility the lost request made, once
    assert (first.outcome, first.sent) == ("pending", True)
    assert digit.calls(FACILITY_SEARCH) == 1
    assert digit.calls(FACILITY_BULK_CREATE) == 1
    assert found["res1-1"].outcome == "created"
    assert digit.duplicates("facility") == 0


class SecondCreateFailsClient(InterceptingClient):
    """A client whose second bulk create meets the service failing (a 502)."""

    def __init__(self, digit: FakeDigit) -> None:
        super().__init__(digit.url)
        self._digit = digit
        self.creates = 0

    def before(self, path: str, body: Mapping[str, Any]) -> None:
        if path == FACILITY_BULK_CREATE:
            self.creates += 1
            if self.creates == 2:
                self._digit.fail_next(FACILITY_BULK_CREATE, 1, status=502)


def test_a_failure_after_a_first_batch_leaves_the_rest_pending(digit):
    # Given four rows, and a service failing the second bulk create
    client = SecondCreateFailsClient(digit)
    rows = [facility(f"res1-{number}") for number in range(1, 5)]

    # When all four are created in batches of two
    results = FacilityTarget(client, batch_size=2).create(TENANT, rows)

    # Then the first batch is accepted (awaiting its confirming search) and the second
    # waits as pending with the failure
    assert client.creates == 2
    assert [result.outcome for result in results] == ["pending"] * 4
    assert [result.code for result in results] == ["AWAITING_CONFIRMATION"] * 2 + [
        "TRANSIENT_ERROR"
    ] * 2


def test_registered_tells_which_facility_ids_exist(digit, target):
    # Given one created facility
    target.create(TENANT, [facility("res1-1")])
    (record,) = digit.records("facility")

    # When ids are checked
    existing = target.registered(TENANT, "id", [record["id"], "F-NOPE"])

    # Then only the existing one is reported
    assert existing == {record["id"]}


# -- updates and deactivations (RecordKeeper) -------------------------------------------------


def change(
    ref: str,
    record_id: str,
    changes: dict[str, Any],
    operation: Operation = "update",
) -> PendingRow:
    """A row of a re-uploaded sheet that names a facility and changes some of its fields."""
    row = facility(ref)
    return PendingRow(
        ref,
        row.row_number,
        row.data | changes,
        operation=operation,
        record_id=record_id,
        changes=changes,
    )


def created(digit: FakeDigit, target: FacilityTarget, *rows: PendingRow) -> dict[str, str]:
    """The rows created (and searchable): facility id by client reference."""
    target.create(TENANT, list(rows))
    return {record["clientReferenceId"]: record["id"] for record in digit.records("facility")}


def stored(digit: FakeDigit, facility_id: str) -> dict[str, Any]:
    return next(record for record in digit.records("facility") if record["id"] == facility_id)


class RivalEditClient(InterceptingClient):
    """A client through which another editor's update of the same facility lands just
    before ours: ours then carries a rowVersion the service no longer holds."""

    def __init__(self, url: str, capacity: int) -> None:
        super().__init__(url)
        self._capacity = capacity
        self._raced = False

    def before(self, path: str, body: Mapping[str, Any]) -> None:
        if path == FACILITY_UPDATE and body and not self._raced:
            self._raced = True
            rival = dict(body["Facility"]) | {"storageCapacity": self._capacity}
            super().post(path, {"Facility": rival})


def test_records_reads_facilities_by_id_as_the_canonical_fields_a_create_sent(digit, target):
    # Given one created facility
    ids = created(digit, target, facility("res1-1"))

    # When its id and an unknown one are read
    records = target.records(TENANT, [ids["res1-1"], "F-NOPE"])

    # Then only that facility is answered, with the fields the row had, and its rowVersion
    assert records == {
        ids["res1-1"]: {
            "id": ids["res1-1"],
            "name": "Central Warehouse",
            "facilityType": "Warehouse",
            "isPermanent": True,
            "capacity": 1500,
            "boundaryCodes": ["MZ_NAMPULA", "MZ_ERATI"],
            "usage": "Active",
            "rowVersion": 1,
        }
    }


def test_an_update_sends_the_stored_facility_with_the_changed_capacity(digit, target):
    # Given a created facility
    ids = created(digit, target, facility("res1-1"))
    facility_id = ids["res1-1"]

    # When an uploaded row changes its capacity
    (result,) = target.create(TENANT, [change("res2-1", facility_id, {"capacity": 999.0})])

    # Then it is updated, once, through /v1/_update with the stored rowVersion, and the
    # service holds the new capacity beside the fields it had
    assert (result.outcome, result.id) == ("updated", facility_id)
    ((sent,),) = [[body["Facility"]] for body in digit.bodies(FACILITY_UPDATE)]
    assert (sent["id"], sent["rowVersion"], sent["clientReferenceId"]) == (facility_id, 1, "res1-1")
    held = stored(digit, facility_id)
    assert (held["storageCapacity"], held["rowVersion"], held["name"]) == (
        999,
        2,
        "Central Warehouse",
    )
    assert held["address"]["locality"]["code"] == "MZ_NAMPULA"
    assert digit.update_requests("facility") == {facility_id: 1}
    assert digit.applied_updates("facility") == {facility_id: 1}


def test_a_moved_facility_changes_its_locality_and_keeps_its_address_id(digit, target):
    # Given a created facility, updated once so that its address has an id
    facility_id = created(digit, target, facility("res1-1"))["res1-1"]
    target.create(TENANT, [change("res2-1", facility_id, {"capacity": 10})])
    address_id = stored(digit, facility_id)["address"]["id"]

    # When an uploaded row moves it to another boundary
    moved = change("res3-1", facility_id, {"boundaryCodes": ["MZ_MEMBA"]})
    (result,) = target.create(TENANT, [moved])

    # Then its locality and codes are the new boundary's, at the same address
    assert result.outcome == "updated"
    held = stored(digit, facility_id)
    assert held["address"] | {"tenantId": TENANT} == {
        "id": address_id,
        "tenantId": TENANT,
        "locality": {"code": "MZ_MEMBA"},
    }
    assert target.records(TENANT, [facility_id])[facility_id]["boundaryCodes"] == ["MZ_MEMBA"]


def test_a_deactivation_marks_the_facility_inactive_and_keeps_it_searchable(digit, target):
    # Given a created facility
    facility_id = created(digit, target, facility("res1-1"))["res1-1"]

    # When an uploaded row marks it Inactive
    retired = change("res2-1", facility_id, {"usage": "Inactive"}, operation="deactivate")
    (result,) = target.create(TENANT, [retired])

    # Then it is deactivated once: still there, its usage Inactive, its type untouched
    assert (result.outcome, result.id) == ("deactivated", facility_id)
    record = target.records(TENANT, [facility_id])[facility_id]
    assert (record["usage"], record["facilityType"]) == ("Inactive", "Warehouse")
    assert digit.applied_updates("facility") == {facility_id: 1}


def test_changes_made_confirms_an_applied_change_and_leaves_out_one_not_applied(digit, target):
    # Given two created facilities, and a change applied to the first only
    ids = created(digit, target, facility("res1-1"), facility("res1-2", "District Store"))
    applied = change("res2-1", ids["res1-1"], {"capacity": 999})
    not_applied = change("res2-2", ids["res1-2"], {"capacity": 777})
    target.create(TENANT, [applied])

    # When both changes are looked for
    found = target.changes_made(TENANT, [applied, not_applied])

    # Then only the applied one is reported, updated, with its facility's id
    assert list(found) == ["res2-1"]
    assert (found["res2-1"].outcome, found["res2-1"].id) == ("updated", ids["res1-1"])


def test_a_stale_row_version_is_rejected_with_the_service_code(digit):
    # Given a created facility, and another editor whose update lands just before ours
    client = RivalEditClient(digit.url, capacity=42)
    target = FacilityTarget(client, batch_size=2)
    facility_id = created(digit, target, facility("res1-1"))["res1-1"]

    # When an uploaded row changes its capacity
    (result,) = target.create(TENANT, [change("res2-1", facility_id, {"capacity": 999})])

    # Then the service refuses our rowVersion: the row is rejected with its code and
    # message, and the facility keeps the other editor's change, applied once
    assert (result.outcome, result.code) == ("rejected", "MISMATCHED_ROW_VERSION")
    assert result.reason == "Row version mismatch (facility /facility/v1/_update, HTTP 400)"
    assert stored(digit, facility_id)["storageCapacity"] == 42
    assert digit.update_requests("facility") == {facility_id: 2}
    assert digit.applied_updates("facility") == {facility_id: 1}


def test_a_lost_update_answer_is_confirmed_and_the_change_never_applied_twice(digit, target):
    # Given a created facility, and a service that applies an update but answers too late
    facility_id = created(digit, target, facility("res1-1"))["res1-1"]
    digit.timeout_next(FACILITY_UPDATE, 1, seconds=0.5)
    row = change("res2-1", facility_id, {"capacity": 999})

    # When the change is sent, and then confirmed and sent again as a retry would
    (first,) = target.create(TENANT, [row])
    confirmed = target.changes_made(TENANT, [row])
    (again,) = target.create(TENANT, [row])

    # Then the lost answer left it pending and sent; the service holds it, so it is
    # confirmed and answered again without a second update
    assert (first.outcome, first.sent) == ("pending", True)
    assert confirmed["res2-1"].outcome == "updated"
    assert again.outcome == "updated"
    assert digit.update_requests("facility") == {facility_id: 1}
    assert digit.applied_updates("facility") == {facility_id: 1}


def test_a_503_on_update_leaves_the_change_pending_and_not_sent(digit, target):
    # Given a created facility, and an update endpoint answering 503 (it took nothing)
    facility_id = created(digit, target, facility("res1-1"))["res1-1"]
    digit.fail_next(FACILITY_UPDATE, 1, status=503)

    # When a change is sent
    (result,) = target.create(TENANT, [change("res2-1", facility_id, {"capacity": 999})])

    # Then it waits for the next attempt, free to be sent again, and nothing changed
    assert (result.outcome, result.sent) == ("pending", False)
    assert target.changes_made(TENANT, [change("res2-1", facility_id, {"capacity": 999})]) == {}
    assert digit.applied_updates("facility") == {}


def test_a_change_for_a_facility_the_service_does_not_hold_is_rejected(target):
    # Given no facility F-GONE
    # When a change names it
    (result,) = target.create(TENANT, [change("res2-1", "F-GONE", {"capacity": 999})])

    # Then the row is rejected, saying so
    assert (result.outcome, result.code) == ("rejected", "RECORD_NOT_FOUND")
    assert "F-GONE" in (result.reason or "")


def test_creates_and_changes_of_one_chunk_each_go_their_way(digit, target):
    # Given a created facility
    facility_id = created(digit, target, facility("res1-1"))["res1-1"]

    # When a chunk holds a new facility and a change of the existing one
    rows = [facility("res2-1", "New Store"), change("res2-2", facility_id, {"capacity": 5})]
    results = target.create(TENANT, rows)

    # Then the new one is bulk-created (pending) and the other updated, answered in order
    assert [(result.client_ref, result.outcome) for result in results] == [
        ("res2-1", "pending"),
        ("res2-2", "updated"),
    ]
    assert digit.create_requests("facility") == {"res1-1": 1, "res2-1": 1}
    assert digit.applied_updates("facility") == {facility_id: 1}


# -- a renamed facility claims its new name -------------------------------------------------


@pytest.fixture
def claims() -> Iterator[DynamoKeyClaims]:
    with mock_aws():
        yield DynamoKeyClaims(create_registry_table("project-factory-registry"))


@pytest.fixture
def claiming(client, claims) -> FacilityTarget:
    return FacilityTarget(client, batch_size=2, claims=claims)


def claim_owner(claims: DynamoKeyClaims, name: str) -> str | None:
    [claim] = claims.claim(TENANT, CLAIM_KIND, [ClaimRequest(name, "someone-else")]).values()
    return None if claim.won else claim.owner


def test_a_renamed_facility_owns_its_new_name_and_frees_the_old_one(digit, claiming, claims):
    # Given a facility created under its name
    facility_id = created(digit, claiming, facility("res1-1"))["res1-1"]

    # When an uploaded row renames it
    renamed = change("res2-1", facility_id, {"name": "North Depot"})
    (result,) = claiming.create(TENANT, [renamed])

    # Then it is updated, its new name claimed for the facility's own reference, and the
    # old name free for another facility
    assert result.outcome == "updated"
    assert stored(digit, facility_id)["name"] == "North Depot"
    assert claim_owner(claims, "north depot") == "res1-1"
    assert claim_owner(claims, "central warehouse") is None


def test_a_rename_to_a_name_another_facility_holds_is_a_conflict_and_not_sent(digit, claiming):
    # Given two created facilities
    ids = created(digit, claiming, facility("res1-1"), facility("res1-2", "District Store"))

    # When an uploaded row renames the first to the second's name (in other case)
    taken = change("res2-1", ids["res1-1"], {"name": "district STORE"})
    (result,) = claiming.create(TENANT, [taken])

    # Then the row is a conflict naming that facility, and no update was sent
    assert (result.outcome, result.code, result.id) == ("conflict", "DUPLICATE_NAME", ids["res1-2"])
    assert digit.update_requests("facility") == {}
