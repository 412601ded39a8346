"""Runs every Lambda invocation of the local stack in-process, with the real handler.

moto answers `lambda.Invoke` (from the Step Functions interpreter or any client) through
`LambdaFunction.invoke`, which would start a Docker container; it sends S3 notifications
before the object's metadata is stored; and its EventBridge does not deliver to Lambda
targets at all. All three are replaced here by calls into the handler from functions/:
synchronous for Invoke, so Retry/Catch see errors named as on AWS, and asynchronous for
S3 and EventBridge, as AWS delivers them (`settle()` waits for those). S3 events also get
the object's `versionId` in a versioned bucket, as S3 sends it.
"""

import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import tracemalloc
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

from local.deployed import DeployedFunction, DeployedStack


@dataclass
class LambdaContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


class ProcessExit(BaseException):
    """The function's process died (a crash, an OOM kill): no handler of ours can catch it.

    Raised by a fault hook (local/fault_injection.py); the runtime answers it as Lambda
    answers a runtime that exited: errorType `Runtime.ExitError`, and a cold start next.
    """


@dataclass(frozen=True)
class Invocation:
    """The invocation running on this thread: which function, which request."""

    function: str  # the function's logical id
    request_id: str


class FaultHook(Protocol):
    """Told of every invocation and every moto call (local/fault_injection.py)."""

    def started(self, invocation: Invocation) -> None: ...

    def before_call(self, event_name: str, request: Any) -> None:
        """May raise (an AWS error, ProcessExit) instead of letting moto answer."""
        ...

    def after_call(self, event_name: str, request: Any, response: Any) -> None: ...

    def returning(self, invocation: Invocation) -> None:
        """The handler returned; may raise ProcessExit (the answer never leaves)."""
        ...


_current = threading.local()
_fault_hook: FaultHook | None = None


def current_invocation() -> Invocation | None:
    """The invocation this thread runs (None outside a handler, e.g. in moto's threads)."""
    return getattr(_current, "invocation", None)


def set_fault_hook(hook: FaultHook | None) -> None:
    """Faults for the local stack (None: none). Infrastructure only: no product code."""
    global _fault_hook
    _fault_hook = hook


class FunctionError(Exception):
    """A handler raised; carries the payload Lambda would return."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("errorMessage", ""))
        self.payload = payload


class InProcessRuntime:
    """The stack's functions, each loaded once ("cold start") and then kept warm."""

    def __init__(self, stack: DeployedStack) -> None:
        self._stack = stack
        self._by_name = {f.name: f for f in stack.functions.values()}
        self._by_name |= {f.arn: f for f in stack.functions.values()}
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.Lock()
        self.invocations: dict[str, int] = {}
        #: peak traced Python heap (bytes) per function, while tracemalloc is tracing
        self.heap_peaks: dict[str, int] = {}
        #: what an invocation left allocated when it returned (bytes, the most per function):
        #: mostly moto's copy of what it wrote, which AWS keeps outside the function
        self.heap_retained: dict[str, int] = {}
        self.environment = _one_environment(stack)
        self._async = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lambda-async")
        self._pending: set[Future[Any]] = set()

    def invoke_async(self, name_or_arn: str, event: Any) -> None:
        """An asynchronous invocation (S3, EventBridge): an error is reported, not raised."""
        with self._lock:
            self._pending.add(self._async.submit(self._invoke_reporting, name_or_arn, event))

    def settle(self, timeout: float = 60.0) -> None:
        """Waits until no asynchronous invocation is running (including ones they started)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                self._pending = {future for future in self._pending if not future.done()}
                pending = set(self._pending)
            if not pending:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(pending)} asynchronous invocations still running")
            wait(pending, timeout=max(0.0, deadline - time.monotonic()))

    def shutdown(self) -> None:
        self._async.shutdown(wait=True, cancel_futures=True)

    def _invoke_reporting(self, name_or_arn: str, event: Any) -> None:
        try:
            self.invoke(name_or_arn, event)
        except FunctionError:
            # On AWS an async failure is retried twice, then dropped (no DLQ configured).
            traceback.print_exc()

    def knows(self, name_or_arn: str) -> bool:
        return name_or_arn in self._by_name

    def function(self, name_or_arn: str) -> DeployedFunction:
        return self._by_name[name_or_arn]

    def invoke(self, name_or_arn: str, event: Any) -> Any:
        """Runs the handler; raises FunctionError with Lambda's error payload if it raises."""
        function = self._by_name[name_or_arn]
        try:
            handler = self._handler(function)
        except Exception as error:
            # An init failure (a setting that does not validate, an import error) is the
            # invocation's error, as on AWS: the API answers 500, a Task sees it by name.
            raise FunctionError(_error_payload(error)) from error
        context = LambdaContext(
            function_name=function.name,
            invoked_function_arn=function.arn,
            memory_limit_in_mb=1024,
            timeout_seconds=900,
        )
        self.invocations[function.logical_id] = self.invocations.get(function.logical_id, 0) + 1
        tracing = tracemalloc.is_tracing()
        if tracing:
            # Process-wide: meaningful when invocations do not overlap (the benchmark's setup).
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
        invocation = Invocation(function.logical_id, context.aws_request_id)
        outer, _current.invocation = current_invocation(), invocation
        hook = _fault_hook
        try:
            if hook is not None:
                hook.started(invocation)
            # A JSON round trip, as on AWS: the handler gets plain JSON types, never our objects.
            result = handler(json.loads(json.dumps(event)), context)
            if hook is not None:
                hook.returning(invocation)
            return json.loads(json.dumps(result))
        except ProcessExit as exit_:
            # A dead process: Lambda reports the exit, and the next invocation starts cold.
            with self._lock:
                self._modules.pop(function.logical_id, None)
            raise FunctionError(_exit_payload(context.aws_request_id)) from exit_
        except Exception as error:
            raise FunctionError(_error_payload(error)) from error
        finally:
            _current.invocation = outer
            if tracing:
                current, peak = tracemalloc.get_traced_memory()
                name = function.logical_id
                self.heap_peaks[name] = max(self.heap_peaks.get(name, 0), peak - base)
                retained = current - base
                self.heap_retained[name] = max(self.heap_retained.get(name, 0), retained)

    def _handler(self, function: DeployedFunction) -> Callable[[Any, Any], Any]:
        attribute = function.source.handler.rpartition(".")[2]
        return getattr(self.module_of(function), attribute)

    def module_of(self, function: DeployedFunction) -> ModuleType:
        """The function's handler module, imported (a cold start) on first use."""
        module_name = function.source.handler.rpartition(".")[0]
        with self._lock:
            module = self._modules.get(function.logical_id)
            if module is None:
                module = _load_module(function, module_name)
                self._modules[function.logical_id] = module
        return module


def _error_payload(error: Exception) -> dict[str, Any]:
    return {
        "errorType": type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


def _exit_payload(request_id: str) -> dict[str, Any]:
    """What Lambda answers when the runtime process exits during an invocation."""
    return {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status 1",
    }


def _load_module(function: DeployedFunction, module_name: str) -> ModuleType:
    for layer in function.source.layer_dirs:
        if str(layer) not in sys.path:
            sys.path.insert(0, str(layer))
    path = function.source.code_dir / f"{module_name.replace('.', '/')}.py"
    unique = f"local_functions.{function.logical_id}.{module_name}"
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load handler module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    spec.loader.exec_module(module)
    return module


def _one_environment(stack: DeployedStack) -> dict[str, str]:
    """The functions' environments as one, for a process that hosts them all.

    On AWS each function has its own process; here they share os.environ, so a variable
    must mean the same for every function that sets it.
    """
    merged: dict[str, str] = {}
    owner: dict[str, str] = {}
    for function in stack.functions.values():
        for key, value in function.environment.items():
            if key in merged and merged[key] != value:
                raise ValueError(
                    f"{key} differs between {owner[key]} and {function.logical_id}; "
                    "the local stack runs all functions in one process"
                )
            merged[key], owner[key] = value, function.logical_id
    return merged


# --------------------------------------------------------------------------- moto hooks
_active: InProcessRuntime | None = None
_installed = False


def activate(runtime: InProcessRuntime | None) -> None:
    """Routes moto's Lambda invocations to this runtime (None: to nobody)."""
    global _active
    _active = runtime
    if runtime is not None:
        os.environ.update(runtime.environment)
        _install_moto_hooks()


def _require_runtime() -> InProcessRuntime:
    if _active is None:
        raise RuntimeError("no local stack is running")
    return _active


# moto's backends are not thread-safe (a cancelled DynamoDB transaction puts back items that
# another thread may have written meanwhile), while functions run in parallel here as on AWS: Map
# iterations, API requests and async deliveries. Every AWS call is therefore answered under
# one lock, except lambda.Invoke, which runs a handler that makes calls of its own.
_moto_lock = threading.RLock()


def _serialise_moto_calls() -> None:
    from moto.core.botocore_stubber import BotocoreStubber

    from local.moto_patches import replaced

    answer = replaced(
        BotocoreStubber, "__call__", signature="(self, event_name, request, **kwargs)"
    )

    def locked(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
        if event_name.endswith("lambda.Invoke"):
            return answer(self, event_name, request, **kwargs)
        with _moto_lock:
            hook = _fault_hook
            if hook is None:
                return answer(self, event_name, request, **kwargs)
            # Faults are injected where AWS answers (local/fault_injection.py), never in
            # product code: the call fails as AWS fails it, or the process dies in it.
            hook.before_call(event_name, request)
            response = answer(self, event_name, request, **kwargs)
            hook.after_call(event_name, request, response)
            return response

    BotocoreStubber.__call__ = locked  # type: ignore[method-assign]


def _install_moto_hooks() -> None:
    global _installed
    if _installed:
        return
    from moto.awslambda.models import LambdaFunction
    from moto.events.models import Rule
    from moto.s3 import notifications

    from local import moto_clients, moto_conditions, moto_s3_urls, moto_transactions
    from local.moto_patches import replaced

    _serialise_moto_calls()
    moto_transactions.install()
    moto_conditions.install()
    moto_clients.install()
    moto_s3_urls.install()
    replaced(LambdaFunction, "invoke", signature="(self, body, request_headers, response_headers)")
    replaced(
        notifications,
        "_invoke_awslambda",
        signature="(account_id, event_body, fn_arn, region_name)",
    )

    def invoke(
        self: LambdaFunction, body: str, request_headers: Any, response_headers: Any
    ) -> bytes:
        event = json.loads(body) if body else {}
        try:
            result = _require_runtime().invoke(self.function_name, event)
        except FunctionError as error:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(error.payload).encode()
        return json.dumps(result).encode()

    original_send = replaced(
        Rule, "send_to_targets", signature="(self, original_event, transform_input=True)"
    )

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        runtime = _require_runtime()
        ours = [target for target in self.targets if runtime.knows(target["Arn"])]
        others = [target for target in self.targets if not runtime.knows(target["Arn"])]
        if others:
            # moto delivers to the targets it supports and raises on Lambda ones.
            self.targets = others
            try:
                original_send(self, original_event, transform_input)
            finally:
                self.targets = ours + others
        if ours and self.event_pattern.matches_event(original_event):
            for target in ours:
                runtime.invoke_async(target["Arn"], dict(original_event))

    def invoke_from_s3(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        _require_runtime().invoke_async(fn_arn, event_body)

    original_s3_event = replaced(
        notifications, "_get_s3_event", signature="(event_name, bucket, key, notification_id)"
    )

    def s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> Any:
        # S3 names the version in the event of a bucket that keeps versions; moto does not.
        event = original_s3_event(event_name, bucket, key, notification_id)
        if bucket.is_versioned:
            for record in event["Records"]:
                record["s3"]["object"]["versionId"] = key.version_id
        return event

    LambdaFunction.invoke = invoke  # type: ignore[method-assign]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
    notifications._invoke_awslambda = invoke_from_s3
    notifications._get_s3_event = s3_event
    _installed = True
