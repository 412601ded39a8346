"""Hostile JSON bodies over HTTP, from another process: 400 with a stable code, in time.

Deep nesting, an oversized body and bytes that are not UTF-8 are each refused before the
body reaches a model, with a code of their own. The time bound is a ratio to a normal
request of the same size on the same stack (never wall-clock), and the stack goes on
answering afterwards.
"""

import json
import statistics
import time
from collections.abc import Callable

import pytest
import requests

from tests.support.served_stack import TIMEOUT

SEARCH = "/project-factory/v1/data/_search"
#: http_bodies.MAX_JSON_BYTES and MAX_JSON_DEPTH, as a client reads them in the README
MAX_JSON_BYTES = 4 * 1024 * 1024
MAX_JSON_DEPTH = 32
#: a hostile body may cost a few normal ones of its size, never orders of magnitude more
MAX_TIME_RATIO = 10


def _post_raw(served, integrator, body: bytes) -> requests.Response:
    return requests.post(
        f"{served.url}{SEARCH}",
        data=body,
        headers=integrator.headers | {"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )


def _search_body(tenant_id: str, padding: str = "") -> dict:
    return {
        "RequestInfo": {"msgId": padding},
        "SearchCriteria": {"tenantId": tenant_id},
    }


def _same_size_normal_body(tenant_id: str, size: int) -> bytes:
    """A valid search of about `size` bytes (the padding sits in RequestInfo.msgId)."""
    base = len(json.dumps(_search_body(tenant_id)).encode())
    return json.dumps(_search_body(tenant_id, "x" * max(0, size - base))).encode()


def _median_seconds(call: Callable[[], requests.Response], times: int = 3) -> float:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def _assert_refused(answer: requests.Response, code: str) -> None:
    assert answer.status_code == 400, answer.text[:500]
    body = answer.json()
    assert body["ResponseInfo"] is None
    [error] = body["Errors"]
    assert error["code"] == code, error


def _assert_still_answering(integrator) -> None:
    assert integrator.search() == []


# (the search object itself is the first level, so `depth` lists make depth + 1)
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, 2_000, 100_000])
def test_json_nested_too_deep_is_400_json_too_deep_in_the_time_of_a_normal_body(
    served, integrator, depth
):
    # Given a body nesting `depth` levels under a valid search
    hostile = json.dumps(_search_body(integrator.tenant_id))[:-1].encode()
    hostile += b', "x": ' + b"[" * depth + b"]" * depth + b"}"
    normal = _same_size_normal_body(integrator.tenant_id, len(hostile))
    # When it is posted, and a normal body of the same size beside it
    answer = _post_raw(served, integrator, hostile)
    hostile_seconds = _median_seconds(lambda: _post_raw(served, integrator, hostile))
    normal_seconds = _median_seconds(lambda: _post_raw(served, integrator, normal))
    # Then it is 400 JSON_TOO_DEEP (not a 500), costs about what the normal one does,
    # and the stack answers the next request
    _assert_refused(answer, "JSON_TOO_DEEP")
    assert _post_raw(served, integrator, normal).status_code == 200
    assert hostile_seconds / normal_seconds < MAX_TIME_RATIO, (hostile_seconds, normal_seconds)
    _assert_still_answering(integrator)


def test_a_body_at_the_depth_limit_is_taken(served, integrator):
    # Given a search nesting exactly to the limit: the body, RequestInfo, and 30 more
    nested: dict = {}
    for _ in range(MAX_JSON_DEPTH - 3):
        nested = {"n": nested}
    body = {"RequestInfo": {"msgId": "m", "extra": nested}, "SearchCriteria": {}}
    body["SearchCriteria"]["tenantId"] = integrator.tenant_id
    # When it is posted
    answer = integrator.post(SEARCH, body)
    # Then it is answered (RequestInfo takes extra fields, as DIGIT's does)
    assert answer.status_code == 200, answer.text[:500]


def test_a_json_body_over_the_size_limit_is_400_json_too_large(served, integrator):
    # Given a valid search one byte over the limit (under API Gateway's 10 MB)
    hostile = _same_size_normal_body(integrator.tenant_id, MAX_JSON_BYTES + 1)
    assert len(hostile) == MAX_JSON_BYTES + 1
    # When it is posted
    answer = _post_raw(served, integrator, hostile)
    # Then it is 400 JSON_TOO_LARGE, naming the limit, and the stack goes on answering
    _assert_refused(answer, "JSON_TOO_LARGE")
    assert f"limit={MAX_JSON_BYTES}" in answer.json()["Errors"][0]["params"]
    _assert_still_answering(integrator)


@pytest.mark.parametrize(
    "bad_bytes",
    [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"],
    ids=["ff", "bad-continuation", "encoded-surrogate", "five-byte"],
)
def test_a_body_that_is_not_utf8_is_400_invalid_encoding(served, integrator, bad_bytes):
    # Given a search whose msgId holds bytes that are not UTF-8
    text = json.dumps(_search_body(integrator.tenant_id, "PLACEHOLDER")).encode()
    hostile = text.replace(b"PLACEHOLDER", b"ok" + bad_bytes + b"ok")
    # When it is posted as application/json
    answer = _post_raw(served, integrator, hostile)
    # Then it is 400 INVALID_ENCODING, and the stack goes on answering
    _assert_refused(answer, "INVALID_ENCODING")
    _assert_still_answering(integrator)


def test_a_lone_surrogate_escape_is_400_invalid_json(served, integrator):
    # Given valid UTF-8 that escapes half of a surrogate pair (text no store can keep)
    hostile = json.dumps(_search_body(integrator.tenant_id, "PLACEHOLDER")).encode()
    hostile = hostile.replace(b"PLACEHOLDER", b"\\ud800")
    # When it is posted
    answer = _post_raw(served, integrator, hostile)
    # Then it is 400 INVALID_JSON
    _assert_refused(answer, "INVALID_JSON")
