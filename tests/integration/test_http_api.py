"""HTTP requests on loopback become API Gateway v2 events for the real handlers."""

import requests

from tests.support.api import bearer


def test_a_request_reaches_its_handler_and_the_answer_is_the_http_response(api_url, stack):
    # Given the local HTTP API
    calls_before = stack.runtime.invocations.get("DataApiFunction", 0)
    # When a search is posted
    answer = requests.post(
        f"{api_url}/project-factory/v1/data/_search",
        json={"RequestInfo": {"apiId": "t"}, "SearchCriteria": {"tenantId": "nobody"}},
        headers=bearer("nobody"),
        timeout=10,
    )
    # Then the data API handler ran once and its response is the HTTP response
    assert stack.runtime.invocations["DataApiFunction"] == calls_before + 1
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["ResourceDetails"] == []
    assert answer.json()["ResponseInfo"]["status"] == "successful"


def test_a_body_that_is_not_json_is_a_400_in_the_digit_envelope(api_url):
    # When a body that is not JSON is posted
    answer = requests.post(
        f"{api_url}/project-factory/v1/data/_search",
        data="{oops",
        headers=bearer("mz"),
        timeout=10,
    )
    # Then the answer is 400 with Errors[] and no ResponseInfo
    assert answer.status_code == 400
    assert answer.json()["ResponseInfo"] is None
    assert answer.json()["Errors"][0]["code"] == "INVALID_JSON"


def test_unknown_fields_are_refused_with_a_clear_error(api_url):
    # When a search names a criterion that does not exist
    answer = requests.post(
        f"{api_url}/project-factory/v1/data/_search",
        json={"RequestInfo": {}, "SearchCriteria": {"tenantId": "mz", "colour": "red"}},
        headers=bearer("mz"),
        timeout=10,
    )
    # Then the error names the field
    assert answer.status_code == 400
    assert "SearchCriteria.colour" in answer.json()["Errors"][0]["message"]


def test_a_path_that_is_not_a_route_is_404(api_url):
    # When a path the template does not declare is requested
    answer = requests.get(f"{api_url}/nowhere", headers=bearer("mz"), timeout=10)
    # Then the $default route's 404 comes back, in the DIGIT envelope
    assert answer.status_code == 404
    assert answer.json()["Errors"][0]["code"] == "NOT_FOUND"


def test_query_parameters_reach_the_handler(api_url):
    # When file URLs are asked for a file that does not exist
    answer = requests.get(
        f"{api_url}/filestore/v1/files/url",
        params={"tenantId": "mz", "fileStoreIds": "missing-id"},
        headers=bearer("mz"),
        timeout=10,
    )
    # Then the handler read the query and answers 404 naming the file
    assert answer.status_code == 404
    assert answer.json()["Errors"][0]["code"] == "FILE_NOT_FOUND"
