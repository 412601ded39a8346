"""A fake DIGIT on 127.0.0.1, with fault injection, for adapter and flow tests.

    with FakeDigit() as digit:
        client = JsonHttpClient(digit.url, "token", 0.2, 0.2)
        digit.fail_next("/facility/v1/bulk/_create", 1, status=503)
        ...
        assert digit.duplicates("facility") == 0

The server runs in a daemon thread on a free port and stops by itself after
`lifetime_seconds`, so a test that forgets to stop it cannot hang the run. Tests steer it
through Python, not HTTP: see the control methods below.

Besides the scripted faults (`fail_next`, `timeout_next`), `inject` fails a seeded share of
the calls under some path prefixes, the way a network and a service fail:

    digit.inject(ANSWER_LOST, rate=0.3, seed=7, path_prefixes=("/facility/",))

  SERVER_ERROR  500, 502, 503 or 504 with DIGIT Errors; nothing done
  TIMEOUT       done, answered only after `delay_seconds` (longer than the read timeout)
  RESET         the connection is reset before anything is done
  ANSWER_LOST   done, then the connection is reset instead of answering (`lost_answers`)

`latency_seconds` (a constructor keyword, or set later) delays every answer by that long,
as a remote service does: a sleep in the request's own thread (the server is threaded), so
it holds no CPU and concurrent calls overlap. Scripted and injected delays come on top.
"""

import json
import random
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from tests.fakes.digit_services import ADMIN_SCHEMA, DigitState, Matcher

_KEPT_BODIES = 1000

SERVER_ERROR = "5xx"
TIMEOUT = "timeout"
RESET = "reset"
ANSWER_LOST = "answer_lost"
INJECTED_KINDS = (SERVER_ERROR, TIMEOUT, RESET, ANSWER_LOST)
_SERVER_ERRORS = (500, 502, 503, 504)


@dataclass
class _Fault:
    path_prefix: str
    remaining: int
    status: int = 503
    delay_seconds: float = 0.0


@dataclass
class _Injection:
    """A seeded share of the calls under some path prefixes fails as `kind`."""

    kind: str
    rate: float
    path_prefixes: tuple[str, ...]
    delay_seconds: float
    draws: random.Random = field(repr=False, default_factory=random.Random)

    def matches(self, path: str) -> bool:
        return any(path.startswith(prefix) for prefix in self.path_prefixes)


@dataclass(frozen=True)
class _Reply:
    status: int
    answer: dict[str, Any]
    delay_seconds: float = 0.0
    #: reset the connection instead of answering
    reset: bool = False


class FakeDigit:
    """Stateful fake of MDMS v2, facility, HRMS, individual and boundary services."""

    def __init__(self, *, lifetime_seconds: float = 120.0, latency_seconds: float = 0.0) -> None:
        self._state = DigitState()
        #: added to every answer (reset ones included), slept in the request's thread
        self.latency_seconds = latency_seconds
        self._routes = self._state.routes()
        self._lifetime_seconds = lifetime_seconds
        self._lock = threading.Lock()
        self._failures: list[_Fault] = []
        self._delays: list[_Fault] = []
        self._calls: Counter[str] = Counter()
        self._injections: list[_Injection] = []
        self._injected: Counter[tuple[str, str]] = Counter()  # (kind, path)
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

    def stack_parameters(
        self, *, schemas: bool = False, read_timeout: str = "0.5"
    ) -> dict[str, str]:
        """Template parameters pointing facilities and users (and MDMS) at this fake."""
        return {
            "FacilityTarget": "digit",
            "UserTarget": "digit",
            "FacilityServiceUrl": self.url,
            "HrmsServiceUrl": self.url,
            "HttpReadTimeoutSeconds": read_timeout,
        } | ({"SchemaSource": "mdms", "MdmsUrl": self.url} if schemas else {})

    # -- control ------------------------------------------------------------------------------

    def fail_next(self, path_prefix: str, n: int, status: int = 503) -> None:
        """The next n calls under path_prefix answer `status` with DIGIT Errors, doing nothing."""
        with self._lock:
            self._failures.append(_Fault(path_prefix, n, status=status))

    def clear_faults(self) -> None:
        """Forget every failure and delay not yet used, and every injection."""
        with self._lock:
            self._failures.clear()
            self._delays.clear()
            self._injections.clear()

    def inject(
        self,
        kind: str,
        rate: float,
        seed: int,
        path_prefixes: Sequence[str] = ("/",),
        *,
        delay_seconds: float = 1.0,
    ) -> None:
        """A seeded share `rate` of the calls under `path_prefixes` fails as `kind` (see
        the module's docstring), until `clear_faults`. One draw per matching call, in the
        order calls arrive; scripted faults (`fail_next`, `timeout_next`) come first."""
        if kind not in INJECTED_KINDS:
            raise ValueError(f"injected kinds are {INJECTED_KINDS}, not {kind!r}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"a rate is a share of calls, from 0 to 1, not {rate}")
        injection = _Injection(kind, rate, tuple(path_prefixes), delay_seconds, random.Random(seed))
        with self._lock:
            self._injections.append(injection)

    def injected(self, path_prefix: str = "/") -> Counter[str]:
        """Injected faults by kind, of calls under path_prefix."""
        found: Counter[str] = Counter()
        with self._lock:
            for (kind, path), n in self._injected.items():
                if path.startswith(path_prefix):
                    found[kind] += n
        return found

    def lost_answers(self, path_prefix: str = "/") -> int:
        """Calls under path_prefix that were done and whose answer was then lost (reset)."""
        return self.injected(path_prefix)[ANSWER_LOST]

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
        relationship, project (facilities not yet visible included)."""
        return self._state.records(kind)

    def duplicates(self, kind: str) -> int:
        """Creates received for a client reference that already had a record."""
        return self._state.duplicates(kind)

    def create_requests(self, kind: str) -> Counter[str]:
        """Create requests that reached the service (not failed by a fault first), per
        client reference: facility clientReferenceId, employee code, boundary reference."""
        return self._state.create_requests(kind)

    def repeats(self, kind: str) -> Counter[str]:
        """Per client reference, creates received when its record already existed."""
        return self._state.repeats(kind)

    def update_requests(self, kind: str) -> Counter[str]:
        """Update requests that arrived, per record: facility id, project id, employee uuid."""
        return self._state.update_requests(kind)

    def applied_updates(self, kind: str) -> Counter[str]:
        """Updates the service applied (not refused), per record, as update_requests."""
        return self._state.applied_updates(kind)

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
        reply = self._respond(path, query, body)
        return reply.status, reply.answer, reply.delay_seconds

    def _respond(self, path: str, query: Mapping[str, list[str]], body: dict[str, Any]) -> _Reply:
        with self._lock:
            self._calls[path] += 1
            self._bodies.append((path, body))
            failure = _take(self._failures, path)
            delay = _take(self._delays, path)
            injected, status = self._draw(path) if failure is None else (None, 0)
        if failure is not None:
            errors = [{"code": "FAKE_FAILURE", "message": f"injected HTTP {failure.status}"}]
            return _Reply(failure.status, {"ResponseInfo": None, "Errors": errors})
        if injected is not None and injected.kind == SERVER_ERROR:
            errors = [{"code": "FAKE_FAILURE", "message": f"injected HTTP {status}"}]
            return _Reply(status, {"ResponseInfo": None, "Errors": errors})
        if injected is not None and injected.kind == RESET:
            return _Reply(0, {}, reset=True)
        handler = self._routes.get(path)
        if handler is None:
            errors = [{"code": "NOT_FOUND", "message": f"no fake for {path}"}]
            return _Reply(404, {"ResponseInfo": None, "Errors": errors})
        status, answer = handler(query, body)
        if injected is not None and injected.kind == TIMEOUT:
            return _Reply(status, answer, injected.delay_seconds)
        if injected is not None and injected.kind == ANSWER_LOST:
            return _Reply(status, answer, reset=True)
        return _Reply(status, answer, delay.delay_seconds if delay else 0.0)

    def _draw(self, path: str) -> tuple[_Injection | None, int]:
        """The injection that fails this call, if any, and a 5xx status (lock held)."""
        for injection in self._injections:
            if not injection.matches(path):
                continue
            if injection.draws.random() >= injection.rate:
                return None, 0
            self._injected[(injection.kind, path)] += 1
            return injection, injection.draws.choice(_SERVER_ERRORS)
        return None, 0


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
            reply = fake._respond(parts.path, parse_qs(parts.query), body)
            if delay := fake.latency_seconds + reply.delay_seconds:
                time.sleep(delay)
            if reply.reset:
                self._reset()
                return
            self._send(reply.status, reply.answer)

        def _reset(self) -> None:
            """Drop the connection with a TCP reset (SO_LINGER 0), answering nothing."""
            self.close_connection = True
            try:
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.connection.close()
                self.rfile.close()  # the socket's last reference: now it is really closed
            except OSError:
                pass

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
