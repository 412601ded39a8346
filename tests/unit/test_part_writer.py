"""PartWriter: numbered JSON Lines parts, written in a pool without losing their order."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from project_factory.flows.scratch import PartWriter


class _Files:
    """A file store that keeps what is put, slower for earlier parts."""

    def __init__(self, fail_key: str | None = None) -> None:
        self.put: dict[str, list[Any]] = {}
        self.at_once = 0
        self.most_at_once = 0
        self._lock = threading.Lock()
        self._fail_key = fail_key

    def put_lines(self, key: str, lines: list[Any]) -> None:
        with self._lock:
            self.at_once += 1
            self.most_at_once = max(self.most_at_once, self.at_once)
        # Earlier parts take longer: the writes end out of order.
        time.sleep(0.02 * (5 - int(key[-1])) if key[-1].isdigit() else 0)
        with self._lock:
            self.at_once -= 1
        if key == self._fail_key:
            raise OSError(f"{key} refused")
        self.put[key] = list(lines)


def _key(index: int) -> str:
    return f"part-{index}"


def test_parts_written_in_a_pool_keep_their_keys_and_lines():
    # Given a writer of parts of 3 lines in a pool of 4
    files = _Files()
    with ThreadPoolExecutor(4) as pool:
        writer = PartWriter(files, _key, 3, pool, ahead=4)  # type: ignore[arg-type]

        # When 14 lines are added and the writer is closed
        for number in range(14):
            writer.add({"n": number})
        writer.close()

    # Then five parts hold the lines in order, each under its own key, all written
    assert writer.parts == [(_key(i), 3) for i in range(4)] + [(_key(4), 2)]
    assert [line["n"] for i in range(5) for line in files.put[_key(i)]] == list(range(14))
    assert writer.lines == 14
    assert files.most_at_once > 1


def test_no_more_parts_than_ahead_wait_to_be_written():
    # Given a writer that may keep one part waiting, in a pool of 4
    files = _Files()
    with ThreadPoolExecutor(4) as pool:
        writer = PartWriter(files, _key, 1, pool, ahead=1)  # type: ignore[arg-type]

        # When six parts are written
        for number in range(6):
            writer.add(number)
        writer.close()

    # Then at most two writes (the waiting one and the newest) ran at once
    assert len(files.put) == 6
    assert files.most_at_once <= 2


def test_close_raises_a_write_that_failed():
    # Given a store that refuses the second part
    files = _Files(fail_key=_key(1))
    with ThreadPoolExecutor(2) as pool:
        writer = PartWriter(files, _key, 2, pool)  # type: ignore[arg-type]
        for number in range(5):
            writer.add(number)

        # When the writer is closed / Then the refusal reaches the caller
        with pytest.raises(OSError, match="part-1 refused"):
            writer.close()


def test_without_a_pool_each_part_is_written_when_full():
    # Given a writer with no pool
    files = _Files()
    writer = PartWriter(files, _key, 2)  # type: ignore[arg-type]

    # When three lines are added
    for number in range(3):
        writer.add(number)

    # Then the full part is written already, the rest when closed
    assert files.put == {_key(0): [0, 1]}
    writer.close()
    assert files.put[_key(1)] == [2]
