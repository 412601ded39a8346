"""The API functions' resolver: Powertools' HTTP API resolver with request validation and
the DIGIT envelope, ResponseInfo on success and Errors[] on every failure.

Used by the API handlers only; the flows below them know nothing of HTTP. The routes take
pydantic models (validated by Powertools before the route runs, and the source of the
OpenAPI document, see local/openapi.py); what they raise is answered by the exception
handlers here, never by Powertools' own 422 body.
"""

import json
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import content_types
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFound
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import ValidationError

from project_factory.auth import Caller, caller_from_claims, verified_claims
from project_factory.errors import DomainError
from project_factory.http_bodies import parse_json, text_body
from project_factory.observability import logger
from project_factory.settings import Settings


def error_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"ResponseInfo": None, "Errors": errors}


def domain_error(error: DomainError) -> tuple[int, dict[str, Any]]:
    return error.http_status, error_body(
        [
            {
                "code": error.code,
                "message": error.message,
                "description": error.message,
                "params": [f"{key}={value}" for key, value in error.params.items()],
            }
        ]
    )


_CODES_BY_TYPE = {"invalid_tenant": "INVALID_TENANT", "invalid_details": "INVALID_DETAILS"}


def validation_error(error: ValidationError | RequestValidationError) -> tuple[int, dict[str, Any]]:
    """400 INVALID_REQUEST, one error per problem, each naming its field (`body` and
    `query`, where the request's part is the first step of Powertools' location, dropped)."""
    return 400, error_body([_issue(issue) for issue in error.errors()])


def _issue(issue: Mapping[str, Any]) -> dict[str, Any]:
    location: Sequence[Any] = issue.get("loc") or ()
    if location and location[0] in ("body", "query"):
        location = location[1:]
    field = ".".join(str(part) for part in location)
    return {
        # A tenant id outside the pattern (models.TenantId) has a code of its own.
        "code": _CODES_BY_TYPE.get(str(issue.get("type")), "INVALID_REQUEST"),
        "message": f"{field or 'body'}: {issue.get('msg', 'is not valid')}",
        "description": str(issue.get("type")),
        "params": [field],
    }


def unexpected_error(error: Exception) -> tuple[int, dict[str, Any]]:
    logger.exception("unexpected error")
    return 500, error_body(
        [
            {
                "code": "INTERNAL_SERVER_ERROR",
                "message": "an unexpected error occurred; it has been logged",
                "description": type(error).__name__,
                "params": [],
            }
        ]
    )


#: Every route of the HTTP API, as API Gateway route keys: template.yaml's HttpApi events
#: (its `$default` route aside). Kept by hand because no Lambda can read its own API's
#: routes without a call to API Gateway on its cold start (and the API id is not known
#: to the template's functions: the API refers to them). It lets an unmatched request
#: tell 404 (no such path) from 405 (a path of the API, another method);
#: tests/integration/test_unknown_routes.py checks that it equals the template's routes.
API_ROUTES = frozenset(
    {
        "POST /project-factory/v1/data/_create",
        "POST /project-factory/v1/data/_search",
        "POST /project-factory/v1/data/_generate",
        "POST /project-factory/v1/data/_download",
        "POST /project-factory/v1/project-type/create",
        "POST /project-factory/v1/project-type/update",
        "POST /project-factory/v1/project-type/search",
        "POST /filestore/v1/files",
        "GET /filestore/v1/files/url",
        "POST /filestore/v1/files/upload-url",
        "GET /health",
        # the web console's static files (console/handler.py)
        "GET /",
        "GET /console/{proxy+}",
    }
)


def _path_pattern(path: str) -> re.Pattern[str]:
    """An API Gateway route path as a regex: {name} is one segment, {name+} the rest."""
    regex = re.sub(r"\\\{[^}/]+\\\+\\\}", ".+", re.escape(path))
    regex = re.sub(r"\\\{[^}/+]+\\\}", "[^/]+", regex)
    return re.compile(f"^{regex}$")


def _methods_by_path(routes: frozenset[str]) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    methods: dict[str, set[str]] = {}
    for route in routes:
        method, _, path = route.partition(" ")
        methods.setdefault(path, set()).add(method)
    return [(_path_pattern(path), frozenset(verbs)) for path, verbs in sorted(methods.items())]


_API_PATHS = _methods_by_path(API_ROUTES)


def unmatched_route(method: str, path: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The answer to a request no route takes: (status, DIGIT body, extra headers).

    405 METHOD_NOT_ALLOWED with an `Allow` header when the path is one of the API's under
    another method (a route for ANY takes every method, so it never gets here); 404
    NOT_FOUND otherwise.
    """
    matching = [verbs for pattern, verbs in _API_PATHS if pattern.match(path)]
    allowed = sorted(set().union(*matching))
    if allowed:
        return (
            405,
            error_body(
                [
                    {
                        "code": "METHOD_NOT_ALLOWED",
                        "message": f"{method} is not allowed on {path}; use {', '.join(allowed)}",
                        "description": "the path exists for other methods",
                        "params": [method, path],
                    }
                ]
            ),
            {"Allow": ", ".join(allowed)},
        )
    return (
        404,
        error_body(
            [
                {
                    "code": "NOT_FOUND",
                    "message": f"no route for {method} {path}",
                    "description": "the path is not a route of this API",
                    "params": [method, path],
                }
            ]
        ),
        {},
    )


def caller(app: APIGatewayHttpResolver, settings: Settings) -> Caller:
    """Who calls the current request, from the claims of the token API Gateway's JWT
    authorizer verified (401 without)."""
    return caller_from_claims(verified_claims(app.current_event.raw_event), settings)


def digit_resolver() -> APIGatewayHttpResolver:
    """An HTTP API (v2) resolver that validates requests against the routes' models and
    answers every failure in the DIGIT envelope.

    Imported from its submodule: the package's root imports every resolver (about 110 ms
    of a cold start against about 25 ms; see the README's import times).
    """
    app = APIGatewayHttpResolver(
        enable_validation=True,
        json_body_deserializer=parse_json,
        serializer=lambda body: json.dumps(body, default=str),
    )
    _resolving[id(app)] = threading.Lock()

    @app.exception_handler(DomainError)
    def _domain(error: DomainError) -> Response[Any]:
        return _answer(*domain_error(error))

    @app.exception_handler([RequestValidationError, ValidationError])
    def _invalid(error: RequestValidationError | ValidationError) -> Response[Any]:
        return _answer(*validation_error(error))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[Any]:
        return _answer(*unexpected_error(error))

    @app.not_found
    def _unmatched(_: RouteNotFound) -> Response[Any]:
        event = app.current_event
        if event.route_key != "$default":
            # The API sends this function a route it does not serve: a wiring bug.
            logger.warning("no handler for route", extra={"route_key": event.route_key})
        return _answer(*unmatched_route(event.request_context.http.method, event.raw_path))

    return app


#: The routes whose body is a multipart form (DIGIT FileStore's upload); every other body
#: is JSON, whatever its Content-Type says (as this API has always read it: `curl -d` sends
#: form-urlencoded), so Powertools never parses one as a form or multipart.
MULTIPART_ROUTES = frozenset({"POST /filestore/v1/files"})


def resolve(app: APIGatewayHttpResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The answer to one HTTP API event: its body made text where it is meant to be text
    (text_body: INVALID_ENCODING before any route sees it), then the resolver's."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    try:
        body, is_base64_encoded = text_body(
            event.get("body"),
            bool(event.get("isBase64Encoded")),
            headers.get("content-type", ""),
        )
    except DomainError as error:
        return _event_answer(*domain_error(error))
    if event.get("routeKey") not in MULTIPART_ROUTES:
        headers["content-type"] = "application/json"
    # The resolver keeps the event it is answering on itself (app.current_event, which the
    # routes' caller() reads): one event at a time per resolver. Lambda gives a container one
    # event at a time anyway; the local stack answers requests in threads of one process, where
    # two at once would each read the other's claims (TENANT_FORBIDDEN for the right token).
    with _resolving.get(id(app)) or _ANY_RESOLVER:
        return app.resolve(
            {**event, "headers": headers, "body": body, "isBase64Encoded": is_base64_encoded},
            context,
        )


#: A lock per resolver, made with it (see resolve); one for resolvers made otherwise.
_resolving: dict[int, threading.Lock] = {}
_ANY_RESOLVER = threading.Lock()


def _answer(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers=dict(headers or {}),
    )


def _event_answer(status: int, body: Any) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, default=str),
        "isBase64Encoded": False,
    }
