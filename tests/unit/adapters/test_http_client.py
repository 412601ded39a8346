import socket

import pytest

from project_factory.adapters.http import JsonHttpClient
from project_factory.errors import TransientError, UpstreamError

SEARCH = "/facility/v1/_search"


def test_post_sends_request_info_with_the_auth_token(digit, client):
    # Given a running service
    # When the client posts a body
    client.post(SEARCH, {"Facility": {"id": ["F-1"]}}, {"tenantId": "mz", "limit": 10})

    # Then the service received RequestInfo with the token next to the body
    (body,) = digit.bodies(SEARCH)
    assert body["RequestInfo"]["authToken"] == "test-token"
    assert body["Facility"] == {"id": ["F-1"]}


def test_post_returns_the_json_answer(client):
    # Given a search that matches nothing
    # When the client posts it
    answer = client.post(SEARCH, {"Facility": {}}, {"tenantId": "mz"})

    # Then the parsed answer comes back
    assert answer["Facilities"] == []
    assert answer["ResponseInfo"]["status"] == "successful"


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_and_throttling_are_transient(digit, client, status):
    # Given a service failing with a 5xx or 429
    digit.fail_next(SEARCH, 1, status=status)

    # When the client calls it
    with pytest.raises(TransientError) as raised:
        client.post(SEARCH, {}, {"tenantId": "mz"})

    # Then the error names the service and the status
    assert "facility" in raised.value.message
    assert str(status) in raised.value.message
    assert raised.value.params["status"] == status


def test_a_slow_answer_is_a_transient_timeout(digit, client):
    # Given a service that answers after the read timeout
    digit.timeout_next(SEARCH, 1, seconds=0.6)

    # When the client calls it
    with pytest.raises(TransientError) as raised:
        client.post(SEARCH, {}, {"tenantId": "mz"})

    # Then it gives up as a transient failure naming the service
    assert "facility" in raised.value.message
    assert "in time" in raised.value.message


def test_a_refused_connection_is_transient():
    # Given a port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = JsonHttpClient(f"http://127.0.0.1:{port}", "token", 0.2, 0.2)

    # When the client calls it
    # Then the failure is transient
    with pytest.raises(TransientError, match="unreachable"):
        client.post(SEARCH, {})


def test_a_client_error_is_an_upstream_error_with_the_service_message(client):
    # Given a search without its required tenantId
    # When the client posts it
    with pytest.raises(UpstreamError) as raised:
        client.post(SEARCH, {})

    # Then the service's Errors[] message is in the error, and the errors are kept
    assert "tenantId is required" in raised.value.message
    assert raised.value.params["status"] == 400
    assert raised.value.params["errors"][0]["code"] == "INVALID_TENANT"


def test_the_client_does_not_retry(digit, client):
    # Given a service failing once
    digit.fail_next(SEARCH, 1, status=503)

    # When the client's call fails
    with pytest.raises(TransientError):
        client.post(SEARCH, {}, {"tenantId": "mz"})

    # Then it called exactly once: retries belong to the workflow
    assert digit.calls(SEARCH) == 1
