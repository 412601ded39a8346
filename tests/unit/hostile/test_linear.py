"""The reader is linear in its input: work counted for n and 4n of hostile padding.

Issue #11 saw 128 MiB of whitespace after the last row take 106 s, four times longer
per doubling: the scanner re-searched and re-copied a buffer that kept growing. These
compare n with 4n, by the bytes the scanner searched (its own count) and the reads it
made, and by time as a ratio of the two runs, never against seconds: the process's CPU
time (`time.process_time`), which a busy neighbour on a shared machine does not inflate.
"""

import io
import time
from collections.abc import Callable

import pytest

from project_factory.sheets import xlsx_rows
from project_factory.sheets.limits import WorkbookLimits
from project_factory.sheets.xlsx_package import XlsxPackage
from project_factory.sheets.xlsx_rows import SheetXml
from tests.unit.hostile.corpus import judge, whitespace_after_rows, with_shared

N = 8 << 20
ROW = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Facility Name</t></is></c></row>'
#: A linear reader does at most 4 times the work for 4 times the input; a quadratic one 16.
LINEAR = (3.5, 4.6)
#: Bytes searched per byte of input, at most: each byte is looked at a bounded number of times.
PER_BYTE = 3
#: Time is noisier than counted work: anything far below 16 is linear.
LINEAR_TIME = 8.0


class CountedStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = 0

    def read(self, size: int | None = -1) -> bytes:
        self.reads += 1
        return super().read(size)


def sheet(middle: bytes, after: bytes = b"") -> bytes:
    return b'<worksheet xmlns="m"><sheetData>' + middle + b"</sheetData>" + after + b"</worksheet>"


def scan(data: bytes) -> tuple[int, int, float, int]:
    """(bytes searched, reads, seconds, rows) of reading a sheet part's rows (the best
    time of three runs: the ratio of two times is only as good as each)."""
    best = float("inf")
    for _ in range(3):
        stream = CountedStream(data)
        started = time.process_time()
        part = SheetXml(stream)
        rows = sum(1 for _ in part.rows())
        best = min(best, time.process_time() - started)
    return part.scanned, stream.reads, best, rows


def best_seconds(run: Callable[[], object], runs: int = 2) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


PADDINGS = {
    "whitespace after the last row": lambda size: sheet(ROW + b" " * size),
    "whitespace after a self-closing last row": lambda size: sheet(
        ROW + b'<row r="2"/>' + b" " * size
    ),
    "whitespace between rows": lambda size: sheet((ROW + b" " * (size // 64)) * 64),
    "whitespace before the first row": lambda size: sheet(b"\n" * size + ROW),
    "text after the rows": lambda size: sheet(ROW + b"x" * size),
}


@pytest.mark.parametrize("padding", PADDINGS, ids=list(PADDINGS))
def test_scanning_a_sheet_is_linear_in_its_padding(padding):
    # Given a sheet padded with n, then 4n bytes
    build = PADDINGS[padding]

    # When each is scanned
    small_input, large_input = build(N), build(4 * N)
    small, large = scan(small_input), scan(large_input)

    # Then 4 times the input costs at most 4 times the work (bytes searched, a bounded
    # number of times each), 4 times the reads, and far less than 16 times the time
    assert small[3] == large[3] >= 1
    assert large[0] / small[0] <= LINEAR[1], (small, large)
    assert small[0] <= PER_BYTE * len(small_input) and large[0] <= PER_BYTE * len(large_input)
    assert LINEAR[0] <= large[1] / small[1] <= LINEAR[1], (small, large)
    assert large[2] / small[2] <= LINEAR_TIME, (small, large)


def test_many_whole_rows_are_scanned_in_linear_work():
    # Given n and 4n rows
    small = scan(sheet(ROW * 20_000))
    large = scan(sheet(ROW * 80_000))

    # Then the work is proportional and every row is read
    assert (small[3], large[3]) == (20_000, 80_000)
    assert LINEAR[0] <= large[0] / small[0] <= LINEAR[1]


def test_a_self_closing_last_row_then_padding_is_not_taken_for_a_huge_row():
    # Given a last row `<row/>` followed by far more whitespace than one row may hold
    data = sheet(ROW + b'<row r="2" spans="1:1"/>' + b" " * (3 * (4 << 20)))

    # When / Then it is read, both rows
    assert scan(data)[3] == 2


@pytest.mark.parametrize("chunk", [7, 13, 64, 1000])
def test_rows_cut_anywhere_between_chunks_read_the_same(monkeypatch, chunk):
    # Given a sheet with every kind of row, read in chunks of a few bytes
    rows = (
        b'<row r="1"><c r="A1"><v>1</v></c></row>  <row r="2"/>\n<row r="3" spans="1:2">'
        b'<c r="A3" t="inlineStr"><is><t>a &lt; b</t></is></c><c r="B3"><v>2</v></c></row>'
        b"<row><c><v>4</v></c></row>" + b" " * 50 + b'<row r="9" x="a&gt;b"/>'
    )
    whole = [row.xml for row in SheetXml(io.BytesIO(sheet(rows))).rows()]
    monkeypatch.setattr(xlsx_rows, "CHUNK_SIZE", chunk)

    # When it is read in small chunks
    pieces = [row.xml for row in SheetXml(io.BytesIO(sheet(rows))).rows()]

    # Then the rows are the same
    assert pieces == whole
    assert len(whole) == 5


def test_the_whole_reader_is_linear_in_trailing_whitespace_when_the_limits_allow_it():
    # Given uploads with n and 4n bytes of whitespace after the last row, and limits that
    # let such ratios through (by default they are ZIP_BOMB before anything is parsed)
    limits = WorkbookLimits(max_compression_ratio=1e6, max_uncompressed_bytes=1 << 30)
    small_file, large_file = whitespace_after_rows(N), whitespace_after_rows(4 * N)

    # When each is judged
    small, large = judge(small_file, limits), judge(large_file, limits)
    ratio = best_seconds(lambda: judge(large_file, limits)) / best_seconds(
        lambda: judge(small_file, limits)
    )

    # Then both are read as valid files, and 4n takes about 4 times as long, not 16
    assert small == large
    assert small.status == "valid"
    assert ratio <= LINEAR_TIME


def test_shared_strings_are_read_in_linear_time_whatever_the_padding():
    # Given shared strings padded with n, then 4n bytes of whitespace between items
    limits = WorkbookLimits(max_compression_ratio=1e6, max_shared_strings_bytes=1 << 30)
    small_file, large_file = (
        with_shared(
            whitespace_after_rows(0), b"<si><t>Depot</t></si>", b" " * size, b"<si><t>x</t></si>"
        )
        for size in (N, 4 * N)
    )

    def read(data: bytes) -> list[str]:
        with XlsxPackage(data, limits) as package:
            return list(package.shared_strings())

    # When they are read
    texts = read(small_file), read(large_file)
    ratio = best_seconds(lambda: read(large_file)) / best_seconds(lambda: read(small_file))

    # Then every item is there, and 4n takes about 4 times as long, not 16
    assert texts == (["Depot", "x"], ["Depot", "x"])
    assert ratio <= LINEAR_TIME
