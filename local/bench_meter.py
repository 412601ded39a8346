"""Where a benchmark run's time went, on the local stack (local/bench_remote.py): the
handlers' invocations, the HTTP calls to the DIGIT fake, moto's calls and its one lock,
and the process's CPU. The instruments wrap methods for the run and put them back after.
"""

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from local.stack import LocalStack


class Tally:
    """Counts and seconds by name, from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count: Counter[str] = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)

    def add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.count[name] += 1
            self.seconds[name] += seconds

    def timed(self, name: str, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            return call()
        finally:
            self.add(name, time.perf_counter() - started)

    def figures(self, top: int | None = None) -> dict[str, dict[str, float]]:
        names = sorted(self.seconds, key=self.seconds.__getitem__, reverse=True)[:top]
        return {
            name: {"count": self.count[name], "seconds": round(self.seconds[name], 2)}
            for name in names
        }


class TimedLock:
    """local.lambdas._moto_lock, measured: seconds threads waited for it and held it
    (outermost acquisitions only; it is re-entrant)."""

    def __init__(self, lock: Any) -> None:
        self.lock = lock
        self.waited = 0.0
        self.held = 0.0
        self._local = threading.local()
        self._sums = threading.Lock()

    def __enter__(self) -> None:
        depth = getattr(self._local, "depth", 0)
        started = time.perf_counter()
        self.lock.acquire()
        if depth == 0:
            acquired = time.perf_counter()
            self._local.acquired = acquired
            with self._sums:
                self.waited += acquired - started
        self._local.depth = depth + 1

    def __exit__(self, *exc: object) -> None:
        self._local.depth -= 1
        if self._local.depth == 0:
            with self._sums:
                self.held += time.perf_counter() - self._local.acquired
        self.lock.release()


class RunMeter:
    """Instruments for one run: the handlers' invocations, the HTTP calls to the fake, moto's
    calls and lock, and the process's CPU seconds."""

    def __init__(self, stack: LocalStack) -> None:
        self._stack = stack
        self.invocations = Tally()
        self.http = Tally()
        self.moto = Tally()
        self.lock: TimedLock | None = None
        self._undo: list[Callable[[], None]] = []
        self._cpu = self._wall = 0.0

    def __enter__(self) -> "RunMeter":
        from moto.core.botocore_stubber import BotocoreStubber

        import local.lambdas
        from project_factory.adapters.http import JsonHttpClient

        runtime = self._stack.runtime
        assert runtime is not None
        invoke = runtime.invoke
        invocations = self.invocations

        def timed_invoke(name_or_arn: str, event: Any) -> Any:
            logical_id = runtime.function(name_or_arn).logical_id
            return invocations.timed(logical_id, lambda: invoke(name_or_arn, event))

        runtime.invoke = timed_invoke  # type: ignore[method-assign]
        self._undo.append(lambda: delattr(runtime, "invoke"))

        post, http = JsonHttpClient.post, self.http

        def timed_post(client: JsonHttpClient, path: str, *args: Any, **kwargs: Any) -> Any:
            return http.timed(path, lambda: post(client, path, *args, **kwargs))

        JsonHttpClient.post = timed_post  # type: ignore[method-assign]
        self._undo.append(lambda: setattr(JsonHttpClient, "post", post))

        answer, moto = BotocoreStubber.__call__, self.moto

        def timed_answer(stubber: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
            if event_name.endswith("lambda.Invoke"):
                return answer(stubber, event_name, request, **kwargs)
            name = event_name.removeprefix("before-send.")
            return moto.timed(name, lambda: answer(stubber, event_name, request, **kwargs))

        BotocoreStubber.__call__ = timed_answer  # type: ignore[method-assign]
        self._undo.append(lambda: setattr(BotocoreStubber, "__call__", answer))

        lock = local.lambdas._moto_lock
        self.lock = TimedLock(lock)
        local.lambdas._moto_lock = self.lock  # type: ignore[assignment]
        self._undo.append(lambda: setattr(local.lambdas, "_moto_lock", lock))

        self._cpu, self._wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cpu = time.process_time() - self._cpu
        self._wall = time.perf_counter() - self._wall
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()

    def figures(self, *, calls: int, latency: float) -> dict[str, Any]:
        http_seconds = sum(self.http.seconds.values())
        assert self.lock is not None
        return {
            "process_cpu_seconds": round(self._cpu, 2),
            "process_cpu_share": round(self._cpu / self._wall, 3) if self._wall else None,
            "invocations": self.invocations.figures(),
            "http_calls": self.http.figures(),
            "http_seconds_beyond_latency": round(http_seconds - calls * latency, 2),
            "http_ms_per_call_beyond_latency": (
                round((http_seconds - calls * latency) * 1000 / calls, 1) if calls else None
            ),
            "moto_calls": self.moto.figures(top=12),
            "moto_call_seconds": round(sum(self.moto.seconds.values()), 2),
            "moto_lock_waited_seconds": round(self.lock.waited, 2),
            "moto_lock_held_seconds": round(self.lock.held, 2),
        }
