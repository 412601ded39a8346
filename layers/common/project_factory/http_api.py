"""The DIGIT envelope for HTTP handlers: ResponseInfo on success, Errors[] on failure.

Used by the API handlers only; the flows below them know nothing of HTTP.
"""

import base64
import binascii
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from project_factory.auth import verified_claims
from project_factory.errors import DomainError, InvalidRequestError
from project_factory.models import RequestInfo
from project_factory.observability import logger


def response_info(request_info: RequestInfo | None) -> dict[str, Any]:
    return {
        "apiId": request_info.apiId if request_info else None,
        "ver": "v1",
        "ts": int(time.time() * 1000),
        "status": "successful",
        "desc": None,
        "resMsgId": request_info.msgId if request_info else None,
    }


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


_CODES_BY_TYPE = {"invalid_tenant": "INVALID_TENANT"}


def validation_error(error: ValidationError) -> tuple[int, dict[str, Any]]:
    errors = []
    for issue in error.errors():
        field = ".".join(str(part) for part in issue["loc"])
        errors.append(
            {
                # A tenant id outside the pattern (models.TenantId) has a code of its own.
                "code": _CODES_BY_TYPE.get(issue["type"], "INVALID_REQUEST"),
                "message": f"{field or 'body'}: {issue['msg']}",
                "description": issue["type"],
                "params": [field],
            }
        )
    return 400, error_body(errors)


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


#: The largest JSON body a route takes (API Gateway's own limit is 10 MB): the biggest
#: honest body, a campaign with every boundary of a country listed, is well under it.
MAX_JSON_BYTES = 4 * 1024 * 1024
#: The deepest nesting a JSON body may have. DIGIT's own bodies nest about six levels
#: (RequestInfo.userInfo.roles[].code); deeper is an attack on the parser, not a request.
MAX_JSON_DEPTH = 32


def parse_json_body[Model: BaseModel](body: str | None, model: type[Model]) -> Model:
    """The request body as a model. A body that is not JSON, is larger than MAX_JSON_BYTES
    or nests deeper than MAX_JSON_DEPTH is a clear 400, never a 500."""
    text = body or "{}"
    if len(text) > MAX_JSON_BYTES:
        # Characters, not bytes: a cheap bound that never undercounts by more than 4x, and
        # the exact byte count is checked next only when it could matter.
        size = len(text.encode())
        if size > MAX_JSON_BYTES:
            raise InvalidRequestError(
                f"the body is {size:,} bytes; JSON bodies are at most {MAX_JSON_BYTES:,} bytes",
                code="JSON_TOO_LARGE",
                size=size,
                limit=MAX_JSON_BYTES,
            )
    try:
        # orjson: linear, and it stops at 1024 levels ("depth limit exceeded") where
        # json.loads would overflow the stack (RecursionError, a 500) on "[[[[...".
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        if error.msg.startswith("depth limit"):
            raise _too_deep() from error
        raise InvalidRequestError(
            f"the body is not valid JSON: {error.msg}", code="INVALID_JSON"
        ) from error
    if _depth(value) > MAX_JSON_DEPTH:
        raise _too_deep()
    return model.model_validate(value)


def _too_deep() -> InvalidRequestError:
    return InvalidRequestError(
        f"the body nests deeper than {MAX_JSON_DEPTH} levels", code="JSON_TOO_DEEP"
    )


def _depth(value: Any) -> int:
    """How deep `value` nests (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def text_body(
    body: str | None, is_base64_encoded: bool, content_type: str
) -> tuple[str | None, bool]:
    """The event's body as text where it is meant to be text.

    API Gateway base64-encodes a body that is not UTF-8 text. Every route but the
    multipart upload takes text, so such a body there is decoded once, strictly: bytes
    that are not UTF-8 are a 400 INVALID_ENCODING, not a parse error further down.
    """
    if not is_base64_encoded or content_type.lower().startswith("multipart/"):
        return body, is_base64_encoded
    try:
        raw = base64.b64decode(body or "", validate=True)
    except binascii.Error as error:
        raise InvalidRequestError(
            "the body is neither text nor valid base64", code="INVALID_ENCODING"
        ) from error
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError as error:
        raise InvalidRequestError(
            f"the body is not valid UTF-8 (byte {error.start:,} is {raw[error.start]:#04x})",
            code="INVALID_ENCODING",
        ) from error


@dataclass(frozen=True)
class HttpRequest:
    """The parts of an API Gateway HTTP API (v2) event the handlers read."""

    body: str | None
    is_base64_encoded: bool
    headers: Mapping[str, str]
    query_string_parameters: Mapping[str, str] | None
    #: the token's claims, as API Gateway's JWT authorizer verified and passed them (none
    #: on an open route); project_factory.auth reads the caller from them
    claims: Mapping[str, Any] | None = None

    def get_query_string_value(self, name: str, default: str | None = None) -> str | None:
        return (self.query_string_parameters or {}).get(name, default)


class HttpRouter:
    """Routes HTTP API (v2) events by route key; answers JSON, errors in the DIGIT envelope.

    Three routes a function, a JSON body in and out: Powertools' resolver did the same at
    about 110 ms of import on every cold start. An event no registered route takes (the
    API's `$default` route, see functions/fallback) is answered by `unmatched_route`.
    """

    def __init__(self) -> None:
        self._routes: dict[str, Callable[[], Any]] = {}
        # Per thread: the local stack serves concurrent requests from one process.
        self._local = threading.local()

    @property
    def current_event(self) -> HttpRequest:
        return self._local.request

    def post(self, path: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
        return self._route("POST", path)

    def get(self, path: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
        return self._route("GET", path)

    def _route(self, method: str, path: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
        def register(handler: Callable[[], Any]) -> Callable[[], Any]:
            self._routes[f"{method} {path}"] = handler
            return handler

        return register

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        route_key = str(event.get("routeKey"))
        handler = self._routes.get(route_key)
        if handler is None:
            http = (event.get("requestContext") or {}).get("http") or {}
            method = str(http.get("method", ""))
            path = str(event.get("rawPath") or http.get("path", ""))
            if route_key != "$default":
                # The API sends this function a route it does not serve: a wiring bug.
                logger.warning("no handler for route", extra={"route_key": route_key})
            return _answer(*unmatched_route(method, path))
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        try:
            body, is_base64_encoded = text_body(
                event.get("body"),
                bool(event.get("isBase64Encoded")),
                headers.get("content-type", ""),
            )
        except DomainError as error:
            return _answer(*domain_error(error))
        self._local.request = HttpRequest(
            body=body,
            is_base64_encoded=is_base64_encoded,
            headers=headers,
            query_string_parameters=event.get("queryStringParameters"),
            claims=verified_claims(event),
        )
        try:
            return _answer(200, handler())
        except DomainError as error:
            return _answer(*domain_error(error))
        except ValidationError as error:
            return _answer(*validation_error(error))
        except Exception as error:
            return _answer(*unexpected_error(error))


def _answer(status: int, body: Any, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body, default=str),
        "isBase64Encoded": False,
    }
