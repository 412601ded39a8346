import io
import threading

import pytest

from project_factory.sheets.processed_write_behind import WriteBehind


class _Sink(io.BytesIO):
    """A sink that records the thread of each write, and can fail on one."""

    def __init__(self, fail_on: bytes | None = None) -> None:
        super().__init__()
        self.fail_on = fail_on
        self.threads: set[int] = set()

    def write(self, data) -> int:  # type: ignore[override]
        self.threads.add(threading.get_ident())
        if data == self.fail_on:
            raise OSError("the disk is full")
        return super().write(data)


def test_every_write_reaches_the_sink_in_order_from_another_thread_before_close_returns():
    # Given a sink behind a writing thread
    sink = _Sink()

    # When many writes are made, then it is closed
    with WriteBehind(sink) as behind:
        for number in range(500):
            behind.write(b"%d," % number)

    # Then the sink holds them all, in order, written by another thread
    assert sink.getvalue() == b"".join(b"%d," % number for number in range(500))
    assert sink.threads and threading.get_ident() not in sink.threads


def test_a_failed_write_is_raised_in_the_writers_thread():
    # Given a sink that fails on one write
    sink = _Sink(fail_on=b"bad")

    # When it is written past that write, then closed
    # Then its error is raised (by a later write or by close)
    with pytest.raises(OSError, match="disk is full"), WriteBehind(sink) as behind:
        behind.write(b"bad")
        for _ in range(1000):
            behind.write(b"more")


def test_an_error_while_writing_stops_the_thread_and_is_the_one_raised():
    # Given a sink that would fail too
    sink = _Sink(fail_on=b"bad")

    # When the writer fails while writes wait
    with pytest.raises(ValueError, match="the writer's own"), WriteBehind(sink) as behind:
        behind.write(b"bad")
        raise ValueError("the writer's own")

    # Then its thread is done
    assert not any(thread.name == "processed-deflate" for thread in threading.enumerate())
