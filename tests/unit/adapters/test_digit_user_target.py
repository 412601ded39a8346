import pytest

from project_factory.adapters.targets.base import PendingRow
from project_factory.adapters.targets.digit import UserTarget
from tests.fakes.digit_services import HRMS_CREATE

TENANT = "mz"


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


def test_a_retry_after_a_timeout_answers_the_created_user_without_sending_it_again(digit, target):
    # Given a create whose answer was lost after HRMS made the employee
    digit.timeout_next(HRMS_CREATE, 1, seconds=0.5)
    (first,) = target.create(TENANT, [user("res2-1", "8100000001", "Pw-kept-111")])
    assert first.outcome == "pending"

    # When the create is retried
    (result,) = target.create(TENANT, [user("res2-1", "8100000001", "Pw-kept-111")])

    # Then the first attempt's user is answered (no password echoed), and never sent twice
    assert result.outcome == "created"
    assert "password" not in result.output
    assert digit.calls(HRMS_CREATE) == 1
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
