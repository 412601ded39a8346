"""A JSON-over-HTTP client for DIGIT services: one POST, always with a timeout.

The original called services with no timeout and hung forever. Here every call has a connect
and a read timeout, and failures are classified once, for everyone:

  connection error, timeout, HTTP 429, HTTP 5xx  -> TransientError (worth another attempt)
  HTTP 404                                       -> UpstreamError SERVICE_NOT_FOUND (a wrong
                                                    path or URL: the call itself is wrong)
  HTTP 401, 403                                  -> UpstreamError SERVICE_UNAUTHORIZED
  any other non-2xx                              -> UpstreamError SERVICE_REFUSED (the
                                                    service said no, in its Errors[])
Each error names the service, the path and the HTTP status, and carries the service's own
`Errors[]`, so the reason reaches the resource and the processed file as the service gave it.

Nothing is retried in here: Step Functions' Task Retry and the flow's retry loop own retries,
so an attempt count is never multiplied by a hidden inner loop.
"""

import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import requests

from project_factory.errors import TransientError, UpstreamError

if TYPE_CHECKING:
    from project_factory.adapters.secrets import TokenSource
    from project_factory.settings import Settings

QueryValue = str | int | bool

_API_ID = "project-factory"
#: A whole call refused for what it is, not for what it carries: no row is at fault.
_REFUSAL_CODES = {
    401: "SERVICE_UNAUTHORIZED",
    403: "SERVICE_UNAUTHORIZED",
    404: "SERVICE_NOT_FOUND",
}
_MAX_BODY_EXCERPT = 300


class JsonHttpClient:
    """POSTs DIGIT-style bodies (`RequestInfo` first) to one base URL."""

    def __init__(
        self,
        base_url: str,
        auth_token: "str | TokenSource",
        connect_timeout: float,
        read_timeout: float,
    ) -> None:
        if not base_url:
            raise ValueError("a base URL is required")
        self.base_url = base_url.rstrip("/")
        # A fixed token, or where to read the current one (see adapters.secrets).
        self._auth_token = auth_token if callable(auth_token) else (lambda: auth_token)
        self._timeout = (connect_timeout, read_timeout)
        self._session = requests.Session()

    @classmethod
    def for_service(cls, base_url: str, variable: str, settings: "Settings") -> "JsonHttpClient":
        """A client of one DIGIT service, with the token and timeouts from settings."""
        from project_factory.adapters.secrets import token_source

        if not base_url:
            raise ValueError(f"{variable} is not set")
        return cls(
            base_url,
            token_source(settings),
            settings.http_connect_timeout_seconds,
            settings.http_read_timeout_seconds,
        )

    def post(
        self,
        path: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, QueryValue] | None = None,
    ) -> dict[str, Any]:
        """The JSON object the service answered; raises TransientError or UpstreamError."""
        # Paths are settings, with or without their leading slash; messages show one.
        path = "/" + path.lstrip("/")
        service = _service_name(path)
        url = f"{self.base_url}{path}"
        payload = {"RequestInfo": self._request_info(), **(body or {})}
        try:
            response = self._session.post(
                url,
                json=payload,
                params=_query(params),
                timeout=self._timeout,
                # A redirected POST silently becomes a GET; a redirect is a misconfigured URL.
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise TransientError(
                f"{service} did not answer {path} in time ({type(exc).__name__})",
                service=service,
                path=path,
            ) from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            # Refused, reset or cut off mid-answer, DNS failure: not reachable now. (A malformed
            # URL is not caught: it is a configuration error, and retrying cannot fix it.)
            raise TransientError(
                f"{service} is unreachable at {path} ({type(exc).__name__})",
                service=service,
                path=path,
            ) from exc
        return _answer(service, path, response)

    def _request_info(self) -> dict[str, Any]:
        now_ms = time.time_ns() // 1_000_000
        return {
            "apiId": _API_ID,
            "ver": "1.0",
            "ts": now_ms,
            "msgId": f"{now_ms}-{uuid.uuid4().hex[:8]}",
            "authToken": self._auth_token(),
        }


def _answer(service: str, path: str, response: requests.Response) -> dict[str, Any]:
    status = response.status_code
    if 200 <= status < 300:
        if not response.content:
            return {}
        try:
            parsed = response.json()
        except ValueError as exc:
            raise UpstreamError(
                f"{service} answered {path} with HTTP {status} but not JSON: {_excerpt(response)}",
                service=service,
                path=path,
                status=status,
            ) from exc
        if not isinstance(parsed, dict):
            raise UpstreamError(
                f"{service} answered {path} with a JSON {type(parsed).__name__}, not an object",
                service=service,
                path=path,
                status=status,
            )
        return parsed

    errors = _errors(response)
    detail = "; ".join(_error_text(error) for error in errors) or _excerpt(response)
    if status == 429 or status >= 500:
        raise TransientError(
            f"{service} answered {path} with HTTP {status}: {detail}",
            service=service,
            path=path,
            status=status,
            errors=errors,
        )
    raise UpstreamError(
        f"{service} refused {path} (HTTP {status}): {detail}",
        code=_REFUSAL_CODES.get(status, "SERVICE_REFUSED"),
        service=service,
        path=path,
        status=status,
        errors=errors,
    )


def _errors(response: requests.Response) -> list[dict[str, Any]]:
    """The DIGIT `Errors[]` of a failed answer (empty when the body has none)."""
    try:
        parsed = response.json()
    except ValueError:
        return []
    if not isinstance(parsed, dict):
        return []
    errors = parsed.get("Errors") or []
    return [error for error in errors if isinstance(error, dict)]


def _error_text(error: Mapping[str, Any]) -> str:
    code = error.get("code")
    message = error.get("message") or error.get("description") or ""
    return f"{code}: {message}" if code else str(message)


def _service_name(path: str) -> str:
    # DIGIT puts every service under its own context path: /facility/v1/..., /health-hrms/...
    return path.strip("/").split("/", 1)[0] or "service"


def _query(params: Mapping[str, QueryValue] | None) -> dict[str, str] | None:
    if params is None:
        return None
    # DIGIT's Java services parse booleans from lower-case text only.
    return {
        name: (str(value).lower() if isinstance(value, bool) else str(value))
        for name, value in params.items()
    }


def _excerpt(response: requests.Response) -> str:
    text = response.text.strip()
    return text[:_MAX_BODY_EXCERPT] if text else "(empty body)"
