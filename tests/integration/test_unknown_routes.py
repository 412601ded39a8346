"""What no route takes answers the DIGIT envelope, locally as on AWS: the template's
`$default` route goes to FallbackFunction (404 NOT_FOUND, 405 METHOD_NOT_ALLOWED)."""

from dataclasses import replace

import requests
from cfnlint.decode import decode

from local.api import LocalHttpApi
from local.template import TEMPLATE_PATH
from tests.support.api import bearer

AUTH = bearer("mz")


def _template_http_api_events() -> list[tuple[str, str, str]]:
    template, problems = decode(str(TEMPLATE_PATH))
    assert not problems
    return [
        (name, event["Properties"]["Method"].upper(), event["Properties"]["Path"])
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        for event in resource["Properties"].get("Events", {}).values()
        if event["Type"] == "HttpApi"
    ]


def _assert_digit_error(answer: requests.Response, status: int, code: str) -> dict:
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["ResponseInfo"] is None
    [error] = body["Errors"]
    assert error["code"] == code
    assert set(error) == {"code", "message", "description", "params"}
    return error


def test_the_layers_route_list_is_the_templates_routes(stack):
    # Imported under a running stack, as handlers are: Powertools' Metrics reads its
    # namespace from the environment when project_factory.observability is imported.
    from project_factory.http_api import API_ROUTES

    # Given the HttpApi events of template.yaml
    events = _template_http_api_events()
    # When the routes other than $default are compared with the layer's list
    routes = {f"{method} {path}" for _, method, path in events if path != "$default"}
    # Then they are the same, and there is exactly one $default route, for every method
    assert routes == API_ROUTES
    assert [(name, method) for name, method, path in events if path == "$default"] == [
        ("FallbackFunction", "ANY")
    ]


def test_an_unknown_path_is_404_not_found_from_the_default_route(api_url, stack):
    # Given the local HTTP API
    calls_before = stack.runtime.invocations.get("FallbackFunction", 0)
    # When a path the API does not have is requested
    answer = requests.get(f"{api_url}/project-factory/v1/nowhere", headers=AUTH, timeout=10)
    # Then the $default route's function answers 404 in the DIGIT envelope, naming the path
    error = _assert_digit_error(answer, 404, "NOT_FOUND")
    assert error["params"] == ["GET", "/project-factory/v1/nowhere"]
    assert stack.runtime.invocations["FallbackFunction"] == calls_before + 1
    assert "allow" not in answer.headers


def test_a_known_path_with_another_method_is_405_with_allow(api_url):
    # When a POST-only route is asked with GET, and a GET-only one with DELETE
    get_create = requests.get(
        f"{api_url}/project-factory/v1/data/_create", headers=AUTH, timeout=10
    )
    delete_url = requests.delete(f"{api_url}/filestore/v1/files/url", headers=AUTH, timeout=10)
    # Then each is 405 METHOD_NOT_ALLOWED naming the methods the path takes
    _assert_digit_error(get_create, 405, "METHOD_NOT_ALLOWED")
    assert get_create.headers["allow"] == "POST"
    _assert_digit_error(delete_url, 405, "METHOD_NOT_ALLOWED")
    assert delete_url.headers["allow"] == "GET"


def test_a_trailing_slash_is_another_path(api_url):
    # When a route is asked with a trailing slash (API Gateway matches paths exactly)
    answer = requests.post(
        f"{api_url}/project-factory/v1/data/_search/", json={}, headers=AUTH, timeout=10
    )
    # Then it is not that route
    _assert_digit_error(answer, 404, "NOT_FOUND")


def test_a_function_given_a_route_it_does_not_serve_answers_the_digit_envelope(stack):
    # Given an event for a route the data API function has no handler for
    event = {
        "version": "2.0",
        "routeKey": "GET /project-factory/v1/data/_create",
        "rawPath": "/project-factory/v1/data/_create",
        "headers": {},
        "requestContext": {
            "http": {"method": "GET", "path": "/project-factory/v1/data/_create"},
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    # When the function is invoked with it
    result = stack.runtime.invoke(stack.stack.functions["DataApiFunction"].name, event)
    # Then its router answers 405 in the DIGIT envelope rather than a bare message
    assert result["statusCode"] == 405
    assert result["headers"]["Allow"] == "POST"
    assert '"METHOD_NOT_ALLOWED"' in result["body"]


def test_without_a_default_route_the_local_api_answers_as_api_gateway_does(stack):
    # Given the stack's HTTP API as if the template had no $default route
    routes = [route for route in stack.stack.routes if not route.is_default]
    api = LocalHttpApi(replace(stack.stack, routes=routes), stack.runtime, authorizers=None)
    # When a path that is not a route is requested
    status, _, body = api.handle("GET", "/nowhere", {}, b"")
    # Then API Gateway's own answer comes back
    assert (status, body) == (404, b'{"message":"Not Found"}')


def test_an_unknown_path_without_a_token_is_the_gateways_401_and_invokes_nothing(api_url, stack):
    # Given the local HTTP API, whose $default route takes the JWT authorizer like the others
    calls_before = stack.runtime.invocations.get("FallbackFunction", 0)
    # When a path the API does not have, and a known path under another method, are asked
    # without a token
    answers = [
        requests.get(f"{api_url}/project-factory/v1/nowhere", timeout=10),
        requests.get(f"{api_url}/project-factory/v1/data/_create", timeout=10),
    ]
    # Then API Gateway's authorizer answers 401 before any function runs: an anonymous
    # caller learns nothing of the routes, and costs no invocation
    assert [answer.status_code for answer in answers] == [401, 401]
    assert all(answer.json() == {"message": "Unauthorized"} for answer in answers)
    assert all('error="invalid_token"' in a.headers["www-authenticate"] for a in answers)
    assert stack.runtime.invocations.get("FallbackFunction", 0) == calls_before


def test_the_health_check_is_open(api_url):
    # When GET /health is asked without a token
    answer = requests.get(f"{api_url}/health", timeout=10)
    # Then it answers, and only that route is open: its other methods need a token
    assert answer.status_code == 200
    assert answer.json() == {"status": "UP"}
    assert requests.post(f"{api_url}/health", timeout=10).status_code == 401
    post_with_token = requests.post(f"{api_url}/health", headers=AUTH, timeout=10)
    _assert_digit_error(post_with_token, 405, "METHOD_NOT_ALLOWED")
    assert post_with_token.headers["allow"] == "GET"
