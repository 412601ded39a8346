"""Rows that carry an id change their DIGIT record (#13): in the local stack, with the
facility and user targets pointed at the DIGIT fake, a facility's capacity is updated through
the facility service's `/v1/_update`, a facility deactivated and an unchanged row skipped, a
user moved to another boundary through HRMS `_update`, and, with the fake losing answers or
timing out, every change is applied once."""

from collections.abc import Iterator
from typing import Any

import pytest

from local.samples import user_rows, workbook_from_rows
from project_factory.sheets.spec import FACILITY, USER
from tests.fakes.digit_server import ANSWER_LOST, TIMEOUT, FakeDigit
from tests.fakes.digit_services import FACILITY_UPDATE
from tests.support.api import ProjectFactoryClient
from tests.support.checks import header, processed_rows
from tests.support.record_edits import (
    BOUNDARY,
    CAPACITY,
    FACILITY_ID,
    FACILITY_USAGE,
    NAME,
    USER_NAME,
    edited,
    facilities,
    locality,
    run_file,
)

USER_ID = "HCM_ADMIN_CONSOLE_USER_UUID"
#: Seeds whose draws fail some of the run's facility calls, updates among them (the calls
#: come in one order: one chunk, one batch), and leave the loop enough attempts to finish.
SEEDS = {ANSWER_LOST: 9, TIMEOUT: 5}


@pytest.fixture(scope="module")
def stack_parameters(digit: FakeDigit) -> dict[str, str]:
    # A failed update leaves the rows after it for the next attempt: room for a few.
    return digit.stack_parameters() | {"MaxRetries": "8"}


@pytest.fixture(autouse=True)
def no_faults(digit: FakeDigit) -> Iterator[None]:
    digit.visibility_delay_seconds = 0
    yield
    digit.clear_faults()


def _tenant_facilities(digit: FakeDigit, tenant_id: str) -> dict[str, dict[str, Any]]:
    """The fake's facilities of a tenant, by name."""
    return {
        record["name"]: record
        for record in digit.records("facility")
        if record["tenantId"] == tenant_id
    }


def _usage(facility: dict[str, Any]) -> str | None:
    fields = (facility.get("additionalFields") or {}).get("fields") or []
    return next((field["value"] for field in fields if field["key"] == "usage"), None)


def _created_facilities(
    client: ProjectFactoryClient, digit: FakeDigit, count: int
) -> tuple[dict[str, Any], dict[str, str]]:
    """`count` facilities created in the fake: the resource, and each facility's id by name."""
    created = run_file(
        client, workbook_from_rows(FACILITY, facilities(count)), "facility", timeout=240
    )
    assert created["status"] == "created", created["additionalDetails"]
    ids = {
        name: record["id"] for name, record in _tenant_facilities(digit, client.tenant_id).items()
    }
    assert len(ids) == count
    return created, ids


def test_a_capacity_changed_and_a_facility_retired_are_applied_in_digit_and_the_rest_skipped(
    client, digit
):
    # Given three facilities created in the facility service, and their processed file
    # with one capacity changed and one facility marked Inactive
    created, ids = _created_facilities(client, digit, 3)
    edits = {"Store 0": {CAPACITY: 999}, "Store 1": {FACILITY_USAGE: "Inactive"}}
    upload = edited(client, created, FACILITY, NAME, edits)
    # When it is uploaded again
    changed = run_file(client, upload, "facility", timeout=240)
    # Then the capacity is updated, the facility deactivated and the third skipped, each
    # with its id; the service holds the new values, each change applied once, and no
    # facility was added
    assert changed["status"] == "created", changed["additionalDetails"]
    rows = {row[header(NAME)]: row for row in processed_rows(client, changed, FACILITY)}
    assert [rows[f"Store {n}"]["#status#"] for n in range(3)] == [
        "UPDATED",
        "DEACTIVATED",
        "SKIPPED",
    ]
    assert [rows[f"Store {n}"][header(FACILITY_ID)] for n in range(3)] == [
        ids[f"Store {n}"] for n in range(3)
    ]
    counts = changed["additionalDetails"]["counts"]
    assert (counts["updated"], counts["deactivated"], counts["skipped"]) == (1, 1, 1)
    held = _tenant_facilities(digit, client.tenant_id)
    assert len(held) == 3
    assert held["Store 0"]["storageCapacity"] == 999
    assert (_usage(held["Store 1"]), held["Store 1"]["storageCapacity"]) == ("Inactive", 101)
    assert (held["Store 2"]["storageCapacity"], held["Store 2"]["rowVersion"]) == (102, 1)
    applied = digit.applied_updates("facility")
    assert {name: applied[ids[name]] for name in ids} == {"Store 0": 1, "Store 1": 1, "Store 2": 0}
    assert digit.duplicates("facility") == 0


def test_a_user_moved_to_another_boundary_is_updated_in_hrms(client, digit):
    # Given a user created in HRMS in one locality
    [user] = user_rows(1, invalid=0)
    user[BOUNDARY] = locality(0)
    created = run_file(client, workbook_from_rows(USER, [user]), "user", timeout=240)
    assert created["status"] == "created", created["additionalDetails"]
    [before] = processed_rows(client, created, USER)
    user_id = before[header(USER_ID)]
    # When its processed file comes back with another boundary
    moved = {user[USER_NAME]: {BOUNDARY: locality(1)}}
    changed = run_file(client, edited(client, created, USER, USER_NAME, moved), "user", timeout=240)
    # Then the user is updated once in place: the same id, its old jurisdiction inactive
    # and the new one active, and no employee added
    assert changed["status"] == "created", changed["additionalDetails"]
    [row] = processed_rows(client, changed, USER)
    assert (row["#status#"], row[header(USER_ID)]) == ("UPDATED", user_id)
    [employee] = [e for e in digit.records("employee") if e["tenantId"] == client.tenant_id]
    assert employee["uuid"] == user_id
    assert [(j["boundary"], j["isActive"]) for j in employee["jurisdictions"]] == [
        (locality(0), False),
        (locality(1), True),
    ]
    assert digit.update_requests("employee")[user_id] == 1
    assert digit.applied_updates("employee")[user_id] == 1


@pytest.mark.parametrize("kind", [ANSWER_LOST, TIMEOUT])
def test_changes_under_lost_answers_and_timeouts_are_each_applied_once(client, digit, kind):
    # Given facilities created, then their processed file with every capacity changed and
    # one facility retired, run while 10% of the facility service's calls lose their answer
    # after doing the work (or answer after our read timeout)
    created, ids = _created_facilities(client, digit, 12)
    edits: dict[Any, dict[str, Any]] = {f"Store {n}": {CAPACITY: 500 + n} for n in range(11)}
    edits["Store 11"] = {FACILITY_USAGE: "Inactive"}
    upload = edited(client, created, FACILITY, NAME, edits)
    # (the fake's counts of injected faults are the module's: compared with before)
    before = digit.injected("/facility/")[kind], digit.injected(FACILITY_UPDATE)[kind]
    digit.inject(kind, rate=0.1, seed=SEEDS[kind], path_prefixes=("/facility/",))
    try:
        changed = run_file(client, upload, "facility", timeout=240)
    finally:
        digit.clear_faults()
    # Then faults were injected, updates among the calls they hit, and the retry loop came
    # back; every row ends once with its change made, and each facility was updated
    # exactly once, holding its new values
    after = digit.injected("/facility/")[kind], digit.injected(FACILITY_UPDATE)[kind]
    assert after[0] - before[0] >= 2
    assert after[1] - before[1] >= 1
    assert changed["status"] == "created", changed["additionalDetails"]
    assert changed["additionalDetails"]["counts"]["attempts"] >= 2
    rows = processed_rows(client, changed, FACILITY)
    assert [row["#status#"] for row in rows] == ["UPDATED"] * 11 + ["DEACTIVATED"]
    applied = digit.applied_updates("facility")
    assert {name: applied[facility_id] for name, facility_id in ids.items()} == {
        name: 1 for name in ids
    }
    held = _tenant_facilities(digit, client.tenant_id)
    assert len(held) == 12
    assert {name: held[name]["storageCapacity"] for name in ids if name != "Store 11"} == {
        f"Store {n}": 500 + n for n in range(11)
    }
    assert _usage(held["Store 11"]) == "Inactive"
    assert digit.duplicates("facility") == 0
    # And the same changes uploaded again find nothing to do
    again = run_file(client, upload, "facility", timeout=240)
    assert [row["#status#"] for row in processed_rows(client, again, FACILITY)] == ["SKIPPED"] * 12
