"""A fake DIGIT on 127.0.0.1, with fault injection, for adapter and flow tests.

    with FakeDigit() as digit:
        client = JsonHttpClient(digit.url, "token", 0.2, 0.2)
        digit.fail_next("/facility/v1/bulk/_create", 1, status=503)
        ...
        assert digit.duplicates("facility") == 0

The server runs in a daemon thread on a free port and stops by itself after
`lifetime_seconds`, so a test that forgets to stop it cannot hang the run. Tests steer it
through Python, not HTTP: see the control methods below.
"""

import json
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from tests.fakes.digit_services import ADMIN_SCHEMA, DigitState, Matcher

_KEPT_BODIES = 1000


@dataclass
class _Fault:
    path_prefix: str
    remaining: int
    status: int = 503
    delay_seconds: float = 0.0


class FakeDigit:
    """Stateful fake of MDMS v2, facility, HRMS, individual and boundary services."""

    def __init__(self, *, lifetime_seconds: float = 120.0) -> None:
        self._state = DigitState()
        self._routes = self._state.routes()
        self._lifetime_seconds = lifetime_seconds
        self._lock = threading.Lock()
        self._failures: list[_Fault] = []
        self._delays: list[_Fault] = []
        self._calls: Counter[str] = Counter()
        self._bodies: deque[tuple[str, dict[str, Any]]] = deque(maxlen=_KEPT_BODIES)
        self._server: ThreadingHTTPServer | None = None
        self._timer: threading.Timer | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # Handlers sleeping in timeout_next must not keep the process or stop() waiting.
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        # A short poll interval keeps stop() (which waits for the loop) quick.
        threading.Thread(
            target=server.serve_forever, args=(0.02,), name="fake-digit", daemon=True
        ).start()
        self._timer = threading.Timer(self._lifetime_seconds, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            timer, self._timer = self._timer, None
        if timer is not None and timer is not threading.current_thread():
            timer.cancel()
        if server is not None:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake DIGIT is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- control ------------------------------------------------------------------------------

    def fail_next(self, path_prefix: str, n: int, status: int = 503) -> None:
        """The next n calls under path_prefix answer `status` with DIGIT Errors, doing nothing."""
        with self._lock:
            self._failures.append(_Fault(path_prefix, n, status=status))

    def clear_faults(self) -> None:
        """Forget every failure and delay not yet used."""
        with self._lock:
            self._failures.clear()
            self._delays.clear()

    def timeout_next(self, path_prefix: str, n: int, seconds: float) -> None:
        """The next n calls under path_prefix are done, but answered only after `seconds`.

        The work happens first, as when a response is lost: the record exists although the
        client saw a timeout, which is exactly what a retry must not create again.
        """
        with self._lock:
            self._delays.append(_Fault(path_prefix, n, delay_seconds=seconds))

    def reject(self, match: Matcher, reason: str, code: str = "INVALID_ROW") -> None:
        """Refuse rows whose client reference equals `match` (or for which it returns True).

        The reference is a facility's clientReferenceId, an employee's code, a boundary's
        additionalDetails.clientReferenceId (or a relationship's code).
        """
        self._state.reject(match, reason, code)

    @property
    def visibility_delay_seconds(self) -> float:
        """How long a bulk-created facility stays invisible to search."""
        return self._state.visibility_delay_seconds

    @visibility_delay_seconds.setter
    def visibility_delay_seconds(self, seconds: float) -> None:
        self._state.visibility_delay_seconds = seconds

    def set_schema(
        self, identifier: str, record: Mapping[str, Any], schema_code: str = ADMIN_SCHEMA
    ) -> None:
        """An MDMS record (its `data`) under `identifier`, e.g. "facility.all"."""
        self._state.set_schema(identifier, record, schema_code)

    def set_hierarchy(self, tenant_id: str, hierarchy_type: str, levels: list[str]) -> None:
        """A boundary hierarchy definition, top level first."""
        self._state.set_hierarchy(tenant_id, hierarchy_type, levels)

    def seed_individual(self, tenant_id: str, mobile_number: str, name: str = "Existing") -> None:
        """A person already registered with this mobile number."""
        self._state.seed_individual(tenant_id, mobile_number, name)

    def records(self, kind: str) -> list[dict[str, Any]]:
        """Copies of every record of a kind: facility, employee, individual, boundary,
        relationship (facilities not yet visible included)."""
        return self._state.records(kind)

    def duplicates(self, kind: str) -> int:
        """Creates received for a client reference that already had a record."""
        return self._state.duplicates(kind)

    def calls(self, path_prefix: str) -> int:
        """How many requests arrived under path_prefix (failed and delayed ones included)."""
        with self._lock:
            return sum(count for path, count in self._calls.items() if path.startswith(path_prefix))

    def bodies(self, path_prefix: str) -> list[dict[str, Any]]:
        """The JSON bodies received under path_prefix, oldest first (the last 1000 kept)."""
        with self._lock:
            return [body for path, body in self._bodies if path.startswith(path_prefix)]

    # -- request handling (server threads) ----------------------------------------------------

    def _handle(
        self, path: str, query: Mapping[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any], float]:
        with self._lock:
            self._calls[path] += 1
            self._bodies.append((path, body))
            failure = _take(self._failures, path)
            delay = _take(self._delays, path)
        if failure is not None:
            errors = [{"code": "FAKE_FAILURE", "message": f"injected HTTP {failure.status}"}]
            return failure.status, {"ResponseInfo": None, "Errors": errors}, 0.0
        handler = self._routes.get(path)
        if handler is None:
            errors = [{"code": "NOT_FOUND", "message": f"no fake for {path}"}]
            return 404, {"ResponseInfo": None, "Errors": errors}, 0.0
        status, answer = handler(query, body)
        return status, answer, delay.delay_seconds if delay else 0.0


def _take(faults: list[_Fault], path: str) -> _Fault | None:
    """Consume one use of the first fault matching path (called with the lock held)."""
    for fault in faults:
        if fault.remaining > 0 and path.startswith(fault.path_prefix):
            fault.remaining -= 1
            return fault
    return None


def _handler_for(fake: FakeDigit) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                self._send(400, {"Errors": [{"code": "INVALID_JSON", "message": "bad body"}]})
                return
            status, answer, delay = fake._handle(parts.path, parse_qs(parts.query), body)
            if delay:
                time.sleep(delay)
            self._send(status, answer)

        def _send(self, status: int, answer: dict[str, Any]) -> None:
            payload = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout under test): nobody to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler
