"""Seeded fault modes of the fake DIGIT (tests/fakes/digit_server.py) and its per-record
counting of create requests (issue #10)."""

import pytest

from project_factory.adapters.http import JsonHttpClient
from project_factory.errors import TransientError
from tests.fakes.digit_server import (
    ANSWER_LOST,
    RESET,
    SERVER_ERROR,
    TIMEOUT,
    FakeDigit,
)
from tests.fakes.digit_services import FACILITY_BULK_CREATE, FACILITY_SEARCH, HRMS_CREATE

TENANT = "mz"


@pytest.fixture
def digit():
    with FakeDigit(lifetime_seconds=60) as fake:
        yield fake


@pytest.fixture
def client(digit):
    return JsonHttpClient(digit.url, "token", connect_timeout=0.5, read_timeout=0.3)


def _facility(ref: str) -> dict:
    return {"clientReferenceId": ref, "tenantId": TENANT, "name": f"Clinic {ref}"}


def _create(client, *refs: str) -> dict:
    return client.post(FACILITY_BULK_CREATE, {"Facilities": [_facility(r) for r in refs]})


def _outcome(client, ref: str) -> str:
    try:
        _create(client, ref)
    except TransientError as error:
        return f"transient {error.params.get('status')}"
    return "ok"


def test_a_seeded_injection_fails_the_same_calls_twice(client):
    patterns = []
    for _ in range(2):
        with FakeDigit(lifetime_seconds=60) as fake:
            fresh = JsonHttpClient(fake.url, "token", 0.5, 0.3)
            fake.inject(SERVER_ERROR, 0.3, seed=4, path_prefixes=("/facility/",))
            patterns.append([_outcome(fresh, f"r{n}") for n in range(40)])
    assert patterns[0] == patterns[1]
    failed = [outcome for outcome in patterns[0] if outcome != "ok"]
    assert 4 < len(failed) < 25
    assert {outcome.split()[1] for outcome in failed} <= {"500", "502", "503", "504"}


def test_a_rate_of_zero_injects_nothing(digit, client):
    for kind in (SERVER_ERROR, TIMEOUT, RESET, ANSWER_LOST):
        digit.inject(kind, 0.0, seed=1)
    assert [_outcome(client, f"r{n}") for n in range(20)] == ["ok"] * 20
    assert sum(digit.injected().values()) == 0


def test_injections_apply_under_their_path_prefixes_only(digit, client):
    digit.inject(RESET, 1.0, seed=1, path_prefixes=("/health-hrms/",))
    assert _outcome(client, "r1") == "ok"
    with pytest.raises(TransientError):
        client.post(HRMS_CREATE, {"Employees": [{"code": "E1", "tenantId": TENANT}]})
    assert digit.injected("/health-hrms/") == {RESET: 1}
    assert digit.injected("/facility/") == {}


def test_a_server_error_and_a_reset_do_nothing(digit, client):
    for kind in (SERVER_ERROR, RESET):
        digit.clear_faults()
        digit.inject(kind, 1.0, seed=1)
        with pytest.raises(TransientError):
            _create(client, f"{kind}-1")
    assert digit.records("facility") == []
    assert digit.create_requests("facility") == {}


def test_a_timeout_and_a_lost_answer_do_the_work(digit, client):
    digit.inject(TIMEOUT, 1.0, seed=1, delay_seconds=0.6)
    with pytest.raises(TransientError, match="in time"):
        _create(client, "t-1")
    digit.clear_faults()
    digit.inject(ANSWER_LOST, 1.0, seed=1)
    with pytest.raises(TransientError, match="unreachable"):
        _create(client, "l-1")
    assert {r["clientReferenceId"] for r in digit.records("facility")} == {"t-1", "l-1"}
    assert digit.lost_answers() == 1
    assert digit.lost_answers("/health-hrms/") == 0


def test_every_create_request_is_counted_per_record_and_repeats_apart(digit, client):
    _create(client, "a", "b")
    digit.inject(ANSWER_LOST, 1.0, seed=1)
    with pytest.raises(TransientError):
        _create(client, "a")  # a second request for a record that exists: sent twice
    digit.clear_faults()
    client.post(FACILITY_SEARCH, {}, {"tenantId": TENANT})  # searches are not creates
    assert digit.create_requests("facility") == {"a": 2, "b": 1}
    assert digit.repeats("facility") == {"a": 1}
    assert digit.duplicates("facility") == 1


def test_employee_creates_are_counted_by_code(digit, client):
    employee = {"code": "EMP-1", "tenantId": TENANT, "user": {"mobileNumber": "9000000001"}}
    client.post(HRMS_CREATE, {"Employees": [employee]})
    with pytest.raises(Exception):  # noqa: B017 (the refusal's type is the client's business)
        client.post(HRMS_CREATE, {"Employees": [employee]})
    assert digit.create_requests("employee") == {"EMP-1": 2}
    assert digit.repeats("employee") == {"EMP-1": 1}


def test_clear_faults_ends_injections(digit, client):
    digit.inject(SERVER_ERROR, 1.0, seed=1)
    digit.clear_faults()
    assert _outcome(client, "r1") == "ok"


def test_unknown_kinds_and_rates_are_refused(digit):
    with pytest.raises(ValueError):
        digit.inject("meteor", 0.1, seed=1)
    with pytest.raises(ValueError):
        digit.inject(RESET, -0.1, seed=1)


def test_injected_faults_are_summed_over_the_paths_under_a_prefix(digit, client):
    digit.inject(ANSWER_LOST, 1.0, seed=1, path_prefixes=("/facility/",))
    for call in (lambda: _create(client, "x"), lambda: _create(client, "y")):
        with pytest.raises(TransientError):
            call()
    with pytest.raises(TransientError):
        client.post(FACILITY_SEARCH, {}, {"tenantId": TENANT})
    assert digit.lost_answers("/facility/") == 3
    assert digit.injected() == {ANSWER_LOST: 3}
