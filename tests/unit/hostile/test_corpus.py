"""Every bad input of the corpus ends with its code, in bounded time and memory.

Time is a ratio to a normal upload of at least the same (compressed) size, never
seconds; memory is the peak of Python's heap while the file is judged, under 256 MiB.
"""

import time
import tracemalloc
from functools import cache

import pytest

from tests.unit.hostile.corpus import CORPUS, SHEET, Case, data_row, judge, normal, parts_of, zipped

#: How much longer than reading a normal file of its size a bad file may take to settle.
TIME_RATIO = 3.0
PEAK_BYTES = 256 << 20
#: The smallest normal file timed, so the reference is never a few microseconds.
_REFERENCE_ROWS = 300


@cache
def _normal_of_size(size: int) -> bytes:
    """A valid facility upload (data rows written out as inline strings, which is quick)
    whose compressed size is at least `size`."""
    rows = _REFERENCE_ROWS
    while True:
        parts = parts_of(normal())
        head, tail = parts[SHEET].split(b"</sheetData>")
        head = head[: head.rindex(b'<row r="2"')]
        body = b"".join(data_row(number, f"Facility {number}") for number in range(2, rows + 2))
        parts[SHEET] = head + body + b"</sheetData>" + tail
        data = zipped(parts)
        if len(data) >= size:
            return data
        rows = int(rows * max(1.2, size / len(data)))


def _seconds(data: bytes, case: Case | None = None, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        judge(data, case.limits) if case else judge(data)
        best = min(best, time.process_time() - started)
    return best


@cache
def _reference_seconds(size: int) -> float:
    bucket = 1 << max(size - 1, 1).bit_length()
    return _seconds(_normal_of_size(bucket), runs=3 if bucket <= 1 << 20 else 1)


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_a_bad_input_ends_with_its_code_in_bounded_time_and_memory(case):
    # Given a file of the corpus
    data = case.build()

    # When it is judged as an upload (metadata check, every row read and validated)
    outcome = judge(data, case.limits)
    elapsed = _seconds(data, case)
    tracemalloc.start()
    try:
        judge(data, case.limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Then it ends as expected, with its code
    assert outcome == case.expected
    # within a few times what a normal file of its size takes, and far under 256 MiB
    reference = _reference_seconds(len(data))
    assert elapsed <= TIME_RATIO * reference, (elapsed, reference)
    assert peak < PEAK_BYTES, peak


def test_the_reference_files_are_valid_and_grow_with_the_size_asked():
    # Given / When two reference files
    small, large = _normal_of_size(1 << 14), _normal_of_size(1 << 18)

    # Then they are valid uploads of at least the sizes asked
    assert judge(small).status == judge(large).status == "valid"
    assert len(small) >= 1 << 14 and len(large) >= 1 << 18
