"""The fake DIGIT in a process of its own: a remote service that holds none of our CPU.

    with DigitProcess(latency_seconds=0.1) as digit:
        parameters = digit.stack_parameters(read_timeout="20")
        ...
        assert digit.calls("/facility/v1/bulk/_create") == 100

The in-process FakeDigit (tests/fakes/digit_server.py) answers from threads of the process
it is tested from: its HTTP parsing, JSON and bookkeeping take turns with the local stack
on one interpreter lock, so a benchmark of the stack against it counts the fake's work as
the stack's. Here the same fake runs in a spawned child, and the parent asks it questions
over a pipe: only the questions the benchmark needs, each a method of FakeDigit.
"""

import contextlib
import multiprocessing
import time
from collections import defaultdict
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Self

from tests.fakes.digit_server import FakeDigit

#: the FakeDigit methods a parent may call (read-only questions and the stack's parameters)
QUESTIONS = frozenset({"calls", "duplicates", "stack_parameters", "handling_seconds"})
#: how long the child may take to start its server (s)
START_TIMEOUT_SECONDS = 60


class DigitProcess:
    """A FakeDigit served from a child process, asked questions through a pipe."""

    def __init__(self, *, lifetime_seconds: float = 120.0, latency_seconds: float = 0.0) -> None:
        self._lifetime_seconds = lifetime_seconds
        self._latency_seconds = latency_seconds
        self._process: Any = None
        self._pipe: Connection | None = None
        self.url = ""

    def __enter__(self) -> Self:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(theirs, self._lifetime_seconds, self._latency_seconds),
            name="fake-digit",
            daemon=True,
        )
        self._process.start()
        theirs.close()
        self._pipe = ours
        try:
            if not ours.poll(START_TIMEOUT_SECONDS):
                raise TimeoutError(f"the fake DIGIT did not start in {START_TIMEOUT_SECONDS} s")
            self.url = ours.recv()
        except EOFError:
            self._stop()
            raise RuntimeError("the fake DIGIT's process ended before it served") from None
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()

    def calls(self, path_prefix: str) -> int:
        return int(self._ask("calls", path_prefix))

    def duplicates(self, kind: str) -> int:
        return int(self._ask("duplicates", kind))

    def stack_parameters(self, **keywords: Any) -> dict[str, str]:
        return dict(self._ask("stack_parameters", **keywords))

    def handling_seconds(self) -> dict[str, dict[str, float]]:
        """By path: the calls the fake answered and the seconds it spent on them, latency
        and injected delays apart."""
        return dict(self._ask("handling_seconds"))

    def _ask(self, question: str, *args: Any, **keywords: Any) -> Any:
        if self._pipe is None:
            raise RuntimeError("the fake DIGIT's process is not running")
        self._pipe.send((question, args, keywords))
        failed, answer = self._pipe.recv()
        if failed:
            raise RuntimeError(f"the fake DIGIT could not answer {question}: {answer}")
        return answer

    def _stop(self) -> None:
        pipe, self._pipe = self._pipe, None
        if pipe is not None:
            with contextlib.suppress(BrokenPipeError, OSError):  # the child is gone already
                pipe.send(None)
            pipe.close()
        process, self._process = self._process, None
        if process is not None:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()


class _TimedDigit(FakeDigit):
    """FakeDigit that counts the seconds it spends answering, by path."""

    def __init__(self, **keywords: Any) -> None:
        super().__init__(**keywords)
        self._handling: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    def _respond(self, path: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return super()._respond(path, *args)
        finally:
            spent = time.perf_counter() - started
            with self._lock:
                tally = self._handling[path]
                tally[0] += 1
                tally[1] += spent

    def handling_seconds(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {
                path: {"count": count, "seconds": round(seconds, 2)}
                for path, (count, seconds) in self._handling.items()
            }


def _serve(pipe: Connection, lifetime_seconds: float, latency_seconds: float) -> None:
    """The child: serve the fake, answer the parent's questions until it says stop (None)."""
    with _TimedDigit(lifetime_seconds=lifetime_seconds, latency_seconds=latency_seconds) as fake:
        pipe.send(fake.url)
        while (message := _next(pipe)) is not None:
            question, args, keywords = message
            if question not in QUESTIONS:
                pipe.send((True, f"{question} is not a question the fake answers"))
                continue
            try:
                pipe.send((False, getattr(fake, question)(*args, **keywords)))
            except Exception as exc:  # the parent is told, and the child goes on serving
                pipe.send((True, repr(exc)))


def _next(pipe: Connection) -> Any:
    try:
        return pipe.recv()
    except EOFError:  # the parent is gone
        return None
