"""The template's HTTP API on loopback: requests become API Gateway HTTP API (v2) events.

Routing is API Gateway's: the most specific route whose path and method match (a method
before ANY, fixed segments before {variables}, a {greedy+} variable last); when none
does, the template's `$default` route if it has one (event routeKey `$default`), else
API Gateway's own 404 `{"message":"Not Found"}`. `/docs` is the local stack's own:
Swagger UI over the API's OpenAPI document (local/docs.py).

Authorization is API Gateway's too: a route with the template's JWT authorizer (every
route but GET /health, `$default` included) needs a valid token before anything is
invoked (local/auth.py: 401 `{"message":"Unauthorized"}` with `www-authenticate` saying
why), and its event carries the claims at requestContext.authorizer.jwt.claims. With
authorization off (`authorizers=None`, only when asked for: LocalStack(auth="off")) no
token is checked and no claims are passed.
"""

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from local.auth import Denied, JwtAuthorizer, event_claims
from local.deployed import DeployedStack, Route
from local.docs import ApiDocs
from local.lambdas import FunctionError, InProcessRuntime

# API Gateway's payload limit; larger files go through a presigned upload.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
_TEXT_TYPES = ("application/json", "text/", "application/xml", "application/x-www-form-urlencoded")


def build_event(
    route: Route,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    path_parameters: dict[str, str],
    api_id: str,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    parts = urlsplit(target)
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    content_type = headers.get("content-type", "")
    # As API Gateway: a body is passed as text only when it is text; bytes that are not
    # UTF-8 (whatever the content type says) arrive base64-encoded.
    is_text = not body or (content_type.startswith(_TEXT_TYPES) and _is_utf8(body))
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": headers,
        # API Gateway joins repeated query parameters with commas.
        **({"queryStringParameters": {k: ",".join(v) for k, v in query.items()}} if query else {}),
        **({"pathParameters": path_parameters} if path_parameters else {}),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": api_id,
            "domainName": headers.get("host", "127.0.0.1"),
            "http": {
                "method": method,
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            **({"authorizer": authorizer} if authorizer is not None else {}),
            "requestId": str(uuid.uuid4()),
            "routeKey": route.key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": body.decode() if is_text else base64.b64encode(body).decode(),
        "isBase64Encoded": not is_text,
    }


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _response_parts(result: Any) -> tuple[int, dict[str, str], bytes]:
    """Lambda's answer as API Gateway turns it into HTTP (payload format 2.0)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return 200, {"content-type": "application/json"}, json.dumps(result).encode()
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    return int(result["statusCode"]), headers, raw


def _specificity(route: Route) -> tuple[bool, int, bool]:
    """Sorts the matching routes as API Gateway prefers them: the smallest first."""
    greedy = "+}" in route.path
    return greedy, route.path.count("{"), route.method == "ANY"


class LocalHttpApi:
    """`authorizers`: the stack's JWT authorizers by name (local/auth.py), checked as API
    Gateway checks them; None turns authorization off (tests of other things only)."""

    def __init__(
        self,
        stack: DeployedStack,
        runtime: InProcessRuntime,
        authorizers: Mapping[str, JwtAuthorizer] | None,
    ) -> None:
        self.stack = stack
        self.runtime = runtime
        self.authorizers = authorizers
        if authorizers is not None:
            missing = {r.authorizer for r in stack.routes if r.authorizer} - set(authorizers)
            if missing:
                raise ValueError(f"no authorizer given for {', '.join(sorted(missing))}")
        self.api_id = next(iter(stack.of_type("AWS::ApiGatewayV2::Api").values()), "local")
        self.docs = ApiDocs(stack, runtime)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        candidates = []
        for route in self.stack.routes:
            if route.is_default or route.method not in (method, "ANY"):
                continue
            found = route.pattern.match(path)
            if found:
                parameters = {k: v for k, v in found.groupdict().items() if v is not None}
                candidates.append((_specificity(route), route, parameters))
        if candidates:
            _, route, parameters = min(candidates, key=lambda candidate: candidate[0])
            return route, parameters
        default = next((route for route in self.stack.routes if route.is_default), None)
        return (default, {}) if default is not None else None

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        docs = self.docs.answer(method, parts.path, parts.query)
        if docs is not None:
            return docs
        matched = self.match(method, parts.path)
        if matched is None:
            return 404, {"content-type": "application/json"}, b'{"message":"Not Found"}'
        route, path_parameters = matched
        authorizer = None
        if route.authorizer is not None and self.authorizers is not None:
            try:
                claims = self.authorizers[route.authorizer].verify(headers, route.scopes)
            except Denied as denied:
                return denied.response()
            authorizer = {
                "jwt": {"claims": event_claims(claims), "scopes": list(route.scopes) or None}
            }
        event = build_event(
            route, method, target, headers, body, path_parameters, self.api_id, authorizer
        )
        function = self.stack.functions[route.function_logical_id]
        try:
            result = self.runtime.invoke(function.name, event)
        except FunctionError:
            return 500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}'
        return _response_parts(result)

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 3000) -> Iterator[str]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _dispatch(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length > MAX_PAYLOAD_BYTES:
                    self._reply(
                        413,
                        {"content-type": "application/json"},
                        b'{"message":"Request Entity Too Large"}',
                    )
                    return
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                self._reply(*api.handle(self.command, self.path, headers, body))

            def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status, HTTPStatus(status).phrase)
                for key, value in headers.items():
                    if key != "content-length":
                        self.send_header(key, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch
            do_HEAD = do_OPTIONS = _dispatch

            def __getattr__(self, name: str) -> Any:
                # Any other method (TRACE, QUERY, ...) reaches the API as well, as on API
                # Gateway (the $default route answers 404/405), never http.server's HTML 501.
                if name.startswith("do_"):
                    return self._dispatch
                raise AttributeError(name)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://{host}:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
