import time
from typing import Any

import pytest

from project_factory.adapters.targets.digit import UserTarget
from project_factory.domain.target_calls import Operation, PendingRow
from tests.fakes.digit_server import FakeDigit
from tests.fakes.digit_services import HRMS_CREATE, HRMS_SEARCH, HRMS_UPDATE

TENANT = "mz"
USER_FIELDS = ("name", "phone", "roles", "employmentType", "boundaryCodes", "usage", "username")


def user(ref: str, phone: str, password: str = "Secret-123") -> PendingRow:
    return PendingRow(
        ref,
        int(ref.rsplit("-", 1)[-1]),
        {
            "name": "Ana Maria",
            "phone": phone,
            "roles": ["REGISTRAR", "DISTRIBUTOR"],
            "employmentType": "Temporary",
            "boundaryCodes": ["MZ_ERATI"],
            "usage": "Active",
            "username": f"USR-MZ-{ref.rsplit('-', 1)[-1].zfill(6)}",
            "password": password,
        },
    )


@pytest.fixture
def target(client) -> UserTarget:
    return UserTarget(client, hierarchy_type="ADMIN", batch_size=10)


def test_create_returns_created_users_with_id_and_username_never_the_password(digit, target):
    # Given two user rows with their generated passwords
    rows = [user("res2-1", "8100000001", "Pw-one-111"), user("res2-2", "8100000002")]

    # When they are created
    results = target.create(TENANT, rows)

    # Then both are created, with the user's uuid and the row's username (the password is
    # the flow's own: never echoed back)
    employees = {employee["code"]: employee for employee in digit.records("employee")}
    first = results[0]
    assert [result.outcome for result in results] == ["created", "created"]
    assert first.id == employees["res2-1"]["user"]["uuid"]
    assert first.output == {"username": "USR-MZ-000001"}
    assert employees["res2-1"]["user"]["userName"] == "USR-MZ-000001"


def test_create_sends_an_hrms_employee_coded_by_client_reference(digit, target):
    # Given a user row
    # When it is created
    target.create(TENANT, [user("res2-1", "8100000001")])

    # Then HRMS got an employee whose code is the client reference, with roles and jurisdiction
    ((sent,),) = [body["Employees"] for body in digit.bodies(HRMS_CREATE)]
    assert sent["code"] == "res2-1"
    assert sent["employeeType"] == "TEMPORARY"
    assert sent["user"]["mobileNumber"] == "8100000001"
    assert sent["user"]["password"] == "Secret-123"
    assert [role["code"] for role in sent["user"]["roles"]] == ["REGISTRAR", "DISTRIBUTOR"]
    assert sent["jurisdictions"] == [
        {"hierarchy": "ADMIN", "boundaryType": "ADMIN", "boundary": "MZ_ERATI", "tenantId": TENANT}
    ]


def test_find_confirms_users_by_client_reference(target):
    # Given a created user
    target.create(TENANT, [user("res2-1", "8100000001")])

    # When its reference and an unknown one are looked up
    found = target.find(TENANT, ["res2-1", "res2-9"])

    # Then only the created one is found, with its username
    assert list(found) == ["res2-1"]
    assert found["res2-1"].outcome == "created"
    assert found["res2-1"].output["username"] == "USR-MZ-000001"


def test_a_refusal_naming_no_row_is_narrowed_down_to_the_refused_row(digit, target):
    # Given HRMS refusing one employee of a batch, with an error that names no row
    digit.reject("res2-2", "role DISTRIBUTOR is not allowed here", code="ERR_INVALID_ROLE")
    rows = [user("res2-1", "8100000001"), user("res2-2", "8100000002"), user("res2-3", "81003")]

    # When the batch is created
    results = target.create(TENANT, rows)

    # Then only that row is rejected, with HRMS's code and message; the others are created
    outcomes = {result.client_ref: result.outcome for result in results}
    assert outcomes == {"res2-1": "created", "res2-2": "rejected", "res2-3": "created"}
    assert results[1].code == "ERR_INVALID_ROLE"
    assert results[1].reason == (
        "role DISTRIBUTOR is not allowed here"
        " (health-hrms /health-hrms/employees/_create, HTTP 400)"
    )
    assert digit.duplicates("employee") == 0


def test_a_phone_registered_to_someone_else_is_rejected(digit, target):
    # Given a person already registered with a phone
    digit.seed_individual(TENANT, "8100000001")

    # When a user with that phone is created
    (result,) = target.create(TENANT, [user("res2-1", "8100000001")])

    # Then HRMS's refusal makes the row rejected
    assert result.outcome == "rejected"
    assert result.code == "ERR_HRMS_USER_EXIST_MOB"


def test_a_500_leaves_the_row_pending_and_uncertain(digit, target):
    # Given HRMS failing with 500 (it may have done part of the work)
    digit.fail_next(HRMS_CREATE, 1, status=500)

    # When a user is created
    (result,) = target.create(TENANT, [user("res2-1", "8100000001")])

    # Then it waits for the next attempt, marked sent: it is searched for before a re-send
    assert (result.outcome, result.sent) == ("pending", True)
    assert "health-hrms" in (result.reason or "")


def test_a_first_attempt_sends_without_searching_and_a_lost_answer_is_found_after(digit, target):
    # Given a create whose answer is lost after HRMS made the employee
    digit.timeout_next(HRMS_CREATE, 1, seconds=0.5)
    (first,) = target.create(TENANT, [user("res2-1", "8100000001", "Pw-kept-111")])

    # When the row is looked for by its reference (as the flow confirms before a resend)
    found = target.find(TENANT, ["res2-1"])

    # Then the create was sent without a search first, and the search finds the first
    # attempt's user (no password echoed): nothing is sent twice
    assert (first.outcome, first.sent) == ("pending", True)
    assert digit.calls(HRMS_CREATE) == 1
    assert digit.calls(HRMS_SEARCH) == 1
    assert found["res2-1"].outcome == "created"
    assert "password" not in found["res2-1"].output
    assert digit.duplicates("employee") == 0
    assert len(digit.records("employee")) == 1


def test_registered_tells_which_phones_already_exist(digit, target):
    # Given one phone registered outside the campaign and one user created by it
    digit.seed_individual(TENANT, "8100000009")
    target.create(TENANT, [user("res2-1", "8100000001")])

    # When phones are checked
    taken = target.registered(TENANT, "phone", ["8100000001", "8100000002", "8100000009"])

    # Then the two registered ones are reported
    assert taken == {"8100000001", "8100000009"}


def test_registered_holds_nothing_for_a_key_users_are_not_unique_by(target):
    # Given a user target
    # When it is asked about names
    taken = target.registered(TENANT, "name", ["Ana"])
    # Then nothing is reported: names are not unique among users
    assert taken == set()


# -- updates and deactivations (RecordKeeper) -------------------------------------------------


def change(
    ref: str,
    record_id: str,
    changes: dict[str, Any],
    operation: Operation = "update",
) -> PendingRow:
    """A row of a re-uploaded sheet that names a user and changes some of its fields (its
    password is never in the sheet again)."""
    data = dict(user(ref, "8100000001").data)
    data.pop("password")
    return PendingRow(
        ref,
        int(ref.rsplit("-", 1)[-1]),
        data | changes,
        operation=operation,
        record_id=record_id,
        changes=changes,
    )


def created_user(target: UserTarget, ref: str = "res2-1", phone: str = "8100000001") -> str:
    """A created user's id (its uuid)."""
    (result,) = target.create(TENANT, [user(ref, phone)])
    assert result.outcome == "created" and result.id
    return result.id


def employee(digit: FakeDigit, uuid: str) -> dict[str, Any]:
    return next(record for record in digit.records("employee") if record["uuid"] == uuid)


def test_records_reads_employees_by_user_id_as_the_canonical_fields_a_create_sent(digit, target):
    # Given a created user
    user_id = created_user(target)

    # When its id and an unknown one are read
    records = target.records(TENANT, [user_id, "no-such-uuid"])

    # Then only that user is answered, with the row's fields and its stored jurisdiction
    assert list(records) == [user_id]
    record = records[user_id]
    assert {name: record[name] for name in USER_FIELDS} == {
        "name": "Ana Maria",
        "phone": "8100000001",
        "roles": ["REGISTRAR", "DISTRIBUTOR"],
        "employmentType": "Temporary",
        "boundaryCodes": ["MZ_ERATI"],
        "usage": "Active",
        "username": "USR-MZ-000001",
    }
    [jurisdiction] = record["jurisdictions"]
    assert jurisdiction["id"] == employee(digit, user_id)["jurisdictions"][0]["id"]


def test_a_user_moved_to_another_boundary_is_updated_with_every_stored_jurisdiction(digit, target):
    # Given a user created in MZ_ERATI
    user_id = created_user(target)
    [old] = employee(digit, user_id)["jurisdictions"]

    # When an uploaded row moves it to MZ_NAMPULA
    (result,) = target.create(
        TENANT, [change("res3-1", user_id, {"boundaryCodes": ["MZ_NAMPULA"]})]
    )

    # Then HRMS updated it once: the old jurisdiction sent back with its id, inactive, and
    # the new one active; the user reads back in the new boundary
    assert (result.outcome, result.id) == ("updated", user_id)
    jurisdictions = employee(digit, user_id)["jurisdictions"]
    assert [(j["boundary"], j["isActive"]) for j in jurisdictions] == [
        ("MZ_ERATI", False),
        ("MZ_NAMPULA", True),
    ]
    assert jurisdictions[0]["id"] == old["id"]
    assert target.records(TENANT, [user_id])[user_id]["boundaryCodes"] == ["MZ_NAMPULA"]
    assert digit.update_requests("employee") == {user_id: 1}
    assert digit.applied_updates("employee") == {user_id: 1}


def test_a_deactivation_sends_is_active_false_with_deactivation_details(digit, target):
    # Given a created user
    user_id = created_user(target)

    # When an uploaded row marks it Inactive
    retired = change("res3-1", user_id, {"usage": "Inactive"}, operation="deactivate")
    (result,) = target.create(TENANT, [retired])

    # Then HRMS deactivated it once, with a reason of its master and today's date
    assert (result.outcome, result.id) == ("deactivated", user_id)
    held = employee(digit, user_id)
    assert (held["isActive"], held["user"]["active"]) == (False, False)
    [details] = held["deactivationDetails"]
    assert details["reasonForDeactivation"] == "OTHERS"
    assert abs(details["effectiveFrom"] - time.time() * 1000) < 60_000
    assert target.records(TENANT, [user_id])[user_id]["usage"] == "Inactive"
    assert digit.applied_updates("employee") == {user_id: 1}


def test_a_deactivated_user_marked_active_again_is_reactivated(digit, target):
    # Given a user deactivated by an earlier upload
    user_id = created_user(target)
    target.create(TENANT, [change("res3-1", user_id, {"usage": "Inactive"}, "deactivate")])

    # When a later upload marks it Active
    (result,) = target.create(TENANT, [change("res4-1", user_id, {"usage": "Active"})])

    # Then HRMS reactivated it, saying so, and it reads back active
    assert result.outcome == "updated"
    held = employee(digit, user_id)
    assert (held["isActive"], held["reActivateEmployee"]) == (True, True)
    assert [d["reasonForReactivation"] for d in held["reactivationDetails"]] == ["OTHERS"]
    assert target.records(TENANT, [user_id])[user_id]["usage"] == "Active"


def test_changes_made_confirms_an_applied_change_and_leaves_out_one_not_applied(target):
    # Given two created users, and a change applied to the first only
    first, second = created_user(target), created_user(target, "res2-2", "8100000002")
    applied = change("res3-1", first, {"name": "Ana M. Cossa"})
    not_applied = change("res3-2", second, {"name": "Rui Cossa"})
    target.create(TENANT, [applied])

    # When both changes are looked for
    found = target.changes_made(TENANT, [applied, not_applied])

    # Then only the applied one is reported, updated, with its user's id
    assert list(found) == ["res3-1"]
    assert (found["res3-1"].outcome, found["res3-1"].id) == ("updated", first)


def test_a_lost_update_answer_is_confirmed_and_the_change_never_applied_twice(digit, target):
    # Given a created user, and an HRMS that applies an update but answers too late
    user_id = created_user(target)
    digit.timeout_next(HRMS_UPDATE, 1, seconds=0.5)
    row = change("res3-1", user_id, {"roles": ["SUPERVISOR"]})

    # When the change is sent, and then confirmed and sent again as a retry would
    (first,) = target.create(TENANT, [row])
    confirmed = target.changes_made(TENANT, [row])
    (again,) = target.create(TENANT, [row])

    # Then the lost answer left it pending and sent; HRMS holds it, so it is confirmed and
    # answered again without a second update
    assert (first.outcome, first.sent) == ("pending", True)
    assert confirmed["res3-1"].outcome == "updated"
    assert again.outcome == "updated"
    assert digit.update_requests("employee") == {user_id: 1}
    assert digit.applied_updates("employee") == {user_id: 1}


def test_an_update_hrms_refuses_is_rejected_with_its_code_and_the_others_still_go(digit, target):
    # Given two created users, and changes of both, one leaving no active jurisdiction
    first, second = created_user(target), created_user(target, "res2-2", "8100000002")
    refused = change("res3-1", first, {"boundaryCodes": []})
    accepted = change("res3-2", second, {"employmentType": "Permanent"})

    # When both are sent in one batch
    results = target.create(TENANT, [refused, accepted])

    # Then HRMS's refusal (naming no row) is narrowed down to its row, with HRMS's code and
    # message; the other is updated
    by_ref = {result.client_ref: result for result in results}
    assert (by_ref["res3-1"].outcome, by_ref["res3-1"].code) == (
        "rejected",
        "ERR_HRMS_INVALID_JURISDICTION_ACTIIEV_NULL",
    )
    assert by_ref["res3-1"].reason == (
        "Jurisiction should have atleast 1 active data"
        " (health-hrms /health-hrms/employees/_update, HTTP 400)"
    )
    assert by_ref["res3-2"].outcome == "updated"
    assert employee(digit, second)["employeeType"] == "PERMANENT"
    assert digit.applied_updates("employee") == {second: 1}


def test_a_change_for_a_user_hrms_does_not_hold_is_rejected(target):
    # Given no user of this id
    # When a change names it
    (result,) = target.create(TENANT, [change("res3-1", "no-such-uuid", {"name": "Ana"})])

    # Then the row is rejected, saying so
    assert (result.outcome, result.code) == ("rejected", "RECORD_NOT_FOUND")
