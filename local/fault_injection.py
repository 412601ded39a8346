"""Seeded faults in the local stack's AWS, injected where moto answers: never in product code.

    faults = MotoFaults(registry_table=stack.physical_id("RegistryTable"))
    set_fault_hook(faults)            # local.lambdas calls it for every moto call
    faults.inject(THROTTLE, rate=0.3, seed=7)
    ...
    faults.clear()

`local.lambdas` serialises every moto call (`_serialise_moto_calls`) and knows which
function an invocation runs (`current_invocation`); this hook sits there, so a fault is
what AWS or Lambda would do, seen by the product exactly as on AWS:

- THROTTLE: DynamoDB refuses a request naming the built-in registry's table (any caller:
  Validate, Create, Finalize, the claim threads) with ProvisionedThroughputExceededException,
  ThrottlingException or RequestLimitExceeded: throttling the SDK's own retries did not
  outlast (the error is raised as botocore raises it once they are spent).
- S3: S3 answers SlowDown (503) or InternalError (500) to a call on a `scratch/` object
  made by the Create or Confirm function.
- CRASH: the Create function's process dies in the middle of a chunk. A share `rate` of
  Create invocations is chosen; each dies at a seeded one of its first CRASH_WINDOW AWS
  calls (or, if it makes fewer, just before its answer leaves). Death is ProcessExit, a
  BaseException no `except Exception` of ours swallows, and every further AWS call of that
  invocation dies too (a dead process writes nothing, not even in `finally`); the runtime
  answers `Runtime.ExitError`, as Lambda does when a runtime exits.

Decisions come from one `random.Random(seed)` per injection, one draw per matching call:
the same calls in the same order fail the same way every time. (Across a whole run the
stack's threads interleave calls differently, so a run with a seed is reproducible in its
rates and kinds of faults, not call for call.)

Beside faults it counts, per client reference, the REF claims written to the registry
table (BatchWriteItem, PutItem, TransactWriteItems that succeeded): a REF claim written a
second time is a row the registry was asked to create although it already existed.
"""

import json
import random
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from local.lambdas import Invocation, ProcessExit, current_invocation

THROTTLE = "throttle"
S3 = "s3"
CRASH = "crash"
KINDS = (THROTTLE, S3, CRASH)

#: the functions whose scratch calls fail under S3 faults, and the one that crashes
S3_FUNCTIONS = frozenset({"CreateFunction", "ConfirmFunction"})
CRASH_FUNCTION = "CreateFunction"
#: a crashing invocation dies at one of its first this-many AWS calls (a Create of a chunk
#: makes about five to nine: read the chunk and outcomes, a save before each batch, the
#: registry's writes, the last save)
CRASH_WINDOW = 8
SCRATCH_PREFIX = "scratch/"

THROTTLE_CODES = (
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
)
S3_ERRORS = (("SlowDown", 503, "Please reduce your request rate."), ("InternalError", 500, ""))


class FaultPlan:
    """Which of a stream of matching calls fail: a seeded draw per call against `rate`."""

    def __init__(self, rate: float, seed: int) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"a rate is a share of calls, from 0 to 1, not {rate}")
        self.rate = rate
        self.seed = seed
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.calls = 0
        self.injected = 0

    def draw(self) -> bool:
        """Whether this call fails (counted either way)."""
        with self._lock:
            self.calls += 1
            hit = self._random.random() < self.rate
            self.injected += hit
            return hit

    def pick[T](self, options: Sequence[T]) -> T:
        """A seeded choice (which error code, which call a crash hits)."""
        with self._lock:
            return options[self._random.randrange(len(options))]


@dataclass
class _Dying:
    """A Create invocation chosen to crash: at which call, and whether it is dead."""

    crash_at: int
    calls: int = 0
    dead: bool = False


@dataclass
class MotoFaults:
    """The fault hook of local.lambdas (see the module's docstring)."""

    registry_table: str
    #: REF claims written per client reference (successful writes only)
    ref_writes: Counter[str] = field(default_factory=Counter)
    #: what was injected, by kind
    injected: Counter[str] = field(default_factory=Counter)
    _plans: dict[str, FaultPlan] = field(default_factory=dict)
    _dying: dict[str, _Dying] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- control ------------------------------------------------------------------------

    def inject(self, kind: str, rate: float, seed: int) -> FaultPlan:
        if kind not in KINDS:
            raise ValueError(f"fault kinds are {KINDS}, not {kind!r}")
        plan = FaultPlan(rate, seed)
        with self._lock:
            self._plans[kind] = plan
        return plan

    def clear(self) -> None:
        """No more faults (invocations already dying stay dead)."""
        with self._lock:
            self._plans.clear()

    def ref_writes_for(self, client_ref_prefix: str) -> Counter[str]:
        with self._lock:
            return Counter(
                {ref: n for ref, n in self.ref_writes.items() if ref.startswith(client_ref_prefix)}
            )

    # -- FaultHook ----------------------------------------------------------------------

    def started(self, invocation: Invocation) -> None:
        plan = self._plans.get(CRASH)
        if plan is None or invocation.function != CRASH_FUNCTION or not plan.draw():
            return
        dying = _Dying(crash_at=plan.pick(range(1, CRASH_WINDOW + 1)))
        with self._lock:
            self._dying[invocation.request_id] = dying

    def before_call(self, event_name: str, request: Any) -> None:
        invocation = current_invocation()
        self._die_if_chosen(invocation)
        service, operation = _service_and_operation(event_name)
        if service == "dynamodb":
            self._maybe_throttle(operation, request)
        elif service == "s3" and invocation is not None:
            self._maybe_fail_s3(invocation, operation, request)

    def after_call(self, event_name: str, request: Any, response: Any) -> None:
        service, operation = _service_and_operation(event_name)
        if service != "dynamodb" or getattr(response, "status_code", 200) != 200:
            return
        refs = list(_ref_claims_written(operation, _json_body(request), self.registry_table))
        if refs:
            with self._lock:
                self.ref_writes.update(refs)

    def returning(self, invocation: Invocation) -> None:
        with self._lock:
            dying = self._dying.pop(invocation.request_id, None)
            if dying is not None and not dying.dead:
                self.injected[CRASH] += 1
        if dying is not None:
            # It made fewer calls than chosen: it dies after its work, before its answer.
            raise ProcessExit(f"crashed before answering ({dying.calls} AWS calls made)")

    # -- faults -------------------------------------------------------------------------

    def _die_if_chosen(self, invocation: Invocation | None) -> None:
        if invocation is None:
            return
        with self._lock:
            dying = self._dying.get(invocation.request_id)
            if dying is None:
                return
            dying.calls += 1
            if not dying.dead and dying.calls >= dying.crash_at:
                dying.dead = True
                self.injected[CRASH] += 1
            dead = dying.dead
        if dead:
            raise ProcessExit(f"crashed at AWS call {dying.crash_at} of the invocation")

    def _maybe_throttle(self, operation: str, request: Any) -> None:
        plan = self._plans.get(THROTTLE)
        if plan is None or self.registry_table not in _table_names(_json_body(request)):
            return
        if plan.draw():
            code = plan.pick(THROTTLE_CODES)
            with self._lock:
                self.injected[THROTTLE] += 1
            raise _client_error(operation, code, 400, "Rate of requests exceeds the allowed rate")

    def _maybe_fail_s3(self, invocation: Invocation, operation: str, request: Any) -> None:
        plan = self._plans.get(S3)
        if plan is None or invocation.function not in S3_FUNCTIONS:
            return
        key = s3_key(getattr(request, "url", ""))
        if key is None or not key.startswith(SCRATCH_PREFIX):
            return
        if plan.draw():
            code, status, message = plan.pick(S3_ERRORS)
            with self._lock:
                self.injected[S3] += 1
            raise _client_error(operation, code, status, message)


# -- parsing the requests moto is about to answer -----------------------------------------


def _service_and_operation(event_name: str) -> tuple[str, str]:
    """("dynamodb", "BatchWriteItem") from "before-send.dynamodb.BatchWriteItem"."""
    parts = event_name.split(".")
    return (parts[1].lower(), parts[-1]) if len(parts) >= 3 else ("", "")


def _json_body(request: Any) -> Mapping[str, Any]:
    body = getattr(request, "body", None)
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _table_names(body: Mapping[str, Any]) -> set[str]:
    """Every table a DynamoDB request names (single-item, batch and transaction calls)."""
    names = {body["TableName"]} if isinstance(body.get("TableName"), str) else set()
    names |= set(body.get("RequestItems") or {})
    for item in body.get("TransactItems") or []:
        for action in item.values():
            if isinstance(action, dict) and isinstance(action.get("TableName"), str):
                names.add(action["TableName"])
    return names


def _ref_claims_written(operation: str, body: Mapping[str, Any], table: str) -> Iterator[str]:
    """The client references whose REF claim this (successful) request wrote."""
    for item in _items_put(operation, body, table):
        ref = _ref_of_claim(item)
        if ref is not None:
            yield ref


def _items_put(operation: str, body: Mapping[str, Any], table: str) -> list[Any]:
    """The items this request puts into `table` (PutItem, BatchWriteItem's puts, a
    transaction's puts)."""
    if operation == "PutItem":
        return [body.get("Item")] if body.get("TableName") == table else []
    if operation == "BatchWriteItem":
        requests = (body.get("RequestItems") or {}).get(table, [])
        return [(request.get("PutRequest") or {}).get("Item") for request in requests]
    if operation == "TransactWriteItems":
        puts = [entry.get("Put") or {} for entry in body.get("TransactItems") or []]
        return [put.get("Item") for put in puts if put.get("TableName") == table]
    return []


def _ref_of_claim(item: Any) -> str | None:
    """REF#{tenant}#{type}#{clientRef} / REF -> clientRef (typed DynamoDB JSON)."""
    if not isinstance(item, dict):
        return None
    pk = (item.get("pk") or {}).get("S", "")
    sk = (item.get("sk") or {}).get("S", "")
    parts = pk.split("#", 3)
    if sk != "REF" or parts[0] != "REF" or len(parts) != 4:
        return None
    return parts[3]


def s3_key(url: str) -> str | None:
    """The object key of an S3 request URL, virtual-hosted or path-style (None: no key)."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    host = parts.hostname or ""
    if host.startswith("s3.") or host.startswith("s3-") or host in ("localhost", "127.0.0.1"):
        # Path-style: /bucket/key
        _, _, key = path.lstrip("/").partition("/")
    else:
        # Virtual-hosted: bucket.s3.amazonaws.com/key
        key = path.lstrip("/")
    return key or None


def _client_error(operation: str, code: str, status: int, message: str) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError(
        {
            "Error": {"Code": code, "Message": message or code},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )
