"""The fake DIGIT in a process of its own (tests/fakes/digit_process.py): the remote
service of the benchmark against a remote target."""

import os

import pytest

from project_factory.adapters.http import JsonHttpClient
from tests.fakes.digit_process import DigitProcess
from tests.fakes.digit_services import FACILITY_BULK_CREATE, FACILITY_SEARCH

TENANT = "mz"


@pytest.fixture(scope="module")
def digit():
    with DigitProcess(lifetime_seconds=60) as fake:
        yield fake


def test_it_serves_from_another_process_and_counts_what_it_was_sent(digit):
    # Given a client of the fake in its child process
    client = JsonHttpClient(digit.url, "token", connect_timeout=2, read_timeout=5)
    facility = {"clientReferenceId": "ref-1", "tenantId": TENANT, "name": "Clinic ref-1"}

    # When a facility is created twice (a retry) and searched for once
    client.post(FACILITY_BULK_CREATE, {"Facilities": [facility]})
    client.post(FACILITY_BULK_CREATE, {"Facilities": [facility]})
    client.post(
        FACILITY_SEARCH, {"Facility": {"clientReferenceId": ["ref-1"]}}, {"tenantId": TENANT}
    )

    # Then the parent's questions are answered from the child: the calls, the duplicate
    # the retry made, and the time the child spent on each path
    assert digit.calls("/facility/") == 3
    assert digit.calls(FACILITY_BULK_CREATE) == 2
    assert digit.duplicates("facility") == 1
    handling = digit.handling_seconds()
    assert handling[FACILITY_BULK_CREATE]["count"] == 2
    assert handling[FACILITY_SEARCH]["count"] == 1
    assert digit.stack_parameters(read_timeout="9")["HttpReadTimeoutSeconds"] == "9"
    assert digit.url.startswith("http://127.0.0.1:")
    assert digit._process.pid != os.getpid()


def test_a_question_it_does_not_answer_is_refused_by_name(digit):
    # Given the fake's process
    # When it is asked to do something beyond its questions (a control method)
    # Then it refuses, naming the method, and goes on answering
    with pytest.raises(RuntimeError, match="fail_next is not a question"):
        digit._ask("fail_next", "/facility/", 1)
    assert digit.calls("/nothing/") == 0
