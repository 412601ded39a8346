"""Measures the workbook hot path: read, validate and write a large facility file.

    .venv/bin/python -m local.bench_sheets [--rows 10000 100000] [--skip-old]

For each size, a facility workbook (5% invalid rows) is built with openpyxl's
write-only mode, then each step runs in a fresh process, twice: once timed, once under
tracemalloc for its peak Python heap (tracemalloc slows allocation down, so the two are
never measured together). The peak RSS of the process is printed too: it also counts
what native code allocates (zlib, jsonschema-rs), which tracemalloc does not see, and
the ~60 MB of the interpreter and the imported modules.

Steps, new against old (the implementations the sheets package used before):
- read: `iter_sheet_rows` (regex scan of the sheet XML) / openpyxl read-only;
- schema: the JSON Schema check alone on every row, jsonschema-rs / jsonschema;
- validate: `RowValidator.validate_all`, every check, over the rows read;
- write: `write_processed` (streaming rewrite of the sheet XML) / openpyxl normal
  mode (load, set the cells, save), for a result on every row.
"""

import argparse
import io
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from local.samples import facility_rows
from project_factory.domain.resources import RowStatus
from project_factory.sheets.coercion import row_coercer
from project_factory.sheets.layout import ERRORS_COLUMN, STATUS_COLUMN
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.processed import write_processed
from project_factory.sheets.processed_results import RowResult
from project_factory.sheets.processed_rows import ERROR_SEPARATOR
from project_factory.sheets.reader import iter_sheet_rows
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY, README_SHEET
from project_factory.sheets.validation import RowValidator

INVALID_SHARE = 20  # one row in 20 is invalid


@dataclass(frozen=True)
class Figure:
    rows: int
    seconds: float
    peak_heap_mb: float
    max_rss_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def build_workbook(rows: int) -> bytes:
    """A facility upload of `rows` rows laid out as the template (readme, then data)."""
    messages = load_bundled_messages()
    order = bundled_json_schema(FACILITY.schema_identifier)["x-columns"]
    workbook = Workbook(write_only=True)
    readme = workbook.create_sheet(messages.text(README_SHEET))
    readme.append([messages.text("HCM_README_TITLE")])
    sheet = workbook.create_sheet(messages.text(FACILITY.data_sheet))
    sheet.append([messages.text(code) for code in order])
    for row in facility_rows(rows, rows // INVALID_SHARE):
        sheet.append([row.get(code) for code in order])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def results(rows: int) -> Iterator[tuple[int, RowResult]]:
    """A result for every data row (rows 2 to rows + 1), in row order."""
    for number in range(2, rows + 2):
        if number % INVALID_SHARE == 0:
            yield number, RowResult(RowStatus.INVALID, errors=["Capacity is required"])
        else:
            yield number, RowResult(RowStatus.CREATED, id=f"F-{number:07d}")


# The steps: each gets the upload and its number of data rows, and returns the number
# of rows it handled. Set-up that is not the step's own (reading the rows before
# validating them) is left out of its time and heap by `_own_part`.


def read_new(data: bytes, rows: int) -> int:
    return sum(1 for _ in iter_sheet_rows(data, FACILITY, load_bundled_messages()))


def read_old(data: bytes, rows: int) -> int:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = workbook[load_bundled_messages().text(FACILITY.data_sheet)]
    sheet.reset_dimensions()
    count = sum(1 for _ in sheet.iter_rows(values_only=True)) - 1
    workbook.close()
    return count


def _validator() -> RowValidator:
    schema = bundled_json_schema(FACILITY.schema_identifier)
    return RowValidator(schema, FACILITY, phone_length=10, allowed_boundary_codes=None)


def _instances(data: bytes) -> list[dict[str, Any]]:
    """The rows as the schema sees them: coerced as RowValidator does before its check."""
    coerce = row_coercer(bundled_json_schema(FACILITY.schema_identifier)["properties"])
    return [coerce(row.values) for row in iter_sheet_rows(data, FACILITY, load_bundled_messages())]


def schema_new(data: bytes, rows: int) -> int:
    import jsonschema_rs

    instances = _instances(data)
    validator = jsonschema_rs.Draft202012Validator(bundled_json_schema(FACILITY.schema_identifier))
    return _own_part(lambda: sum(1 for row in instances if list(validator.iter_errors(row)) or 1))


def schema_old(data: bytes, rows: int) -> int:
    from jsonschema import Draft202012Validator

    instances = _instances(data)
    validator = Draft202012Validator(bundled_json_schema(FACILITY.schema_identifier))
    return _own_part(lambda: sum(1 for row in instances if list(validator.iter_errors(row)) or 1))


def validate_new(data: bytes, rows: int) -> int:
    sheet_rows = list(iter_sheet_rows(data, FACILITY, load_bundled_messages()))
    validator = _validator()
    return _own_part(lambda: sum(1 for _ in validator.validate_all(sheet_rows)))


def write_new(data: bytes, rows: int) -> int:
    target = io.BytesIO()
    write_processed(data, FACILITY, results(rows), load_bundled_messages(), None, target)
    return rows


def write_old(data: bytes, rows: int) -> int:
    """The former writer's work: normal mode, status columns appended, every row set."""
    workbook = load_workbook(io.BytesIO(data), rich_text=True)
    sheet = workbook[load_bundled_messages().text(FACILITY.data_sheet)]
    status, errors = sheet.max_column + 1, sheet.max_column + 2
    sheet.cell(1, status, STATUS_COLUMN)
    sheet.cell(1, errors, ERRORS_COLUMN)
    for number, result in results(rows):
        sheet.cell(number, status).value = str(result.status)
        sheet.cell(number, errors).value = ERROR_SEPARATOR.join(result.errors) or None
        if result.id:
            sheet.cell(number, 1).value = result.id
    workbook.save(io.BytesIO())
    return rows


Step = Callable[[bytes, int], int]
#: step -> (new, old); validation had no other implementation than the schema library
STEPS: dict[str, tuple[Step, Step | None]] = {
    "read": (read_new, read_old),
    "schema": (schema_new, schema_old),
    "validate": (validate_new, None),
    "write": (write_new, write_old),
}
_own: dict[str, float] = {}


def _own_part(work: Callable[[], int]) -> int:
    if tracemalloc.is_tracing():
        tracemalloc.reset_peak()
        _own["heap_base"] = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    count = work()
    _own["seconds"] = time.perf_counter() - start
    return count


def _measure(step: Step, path: str, rows: int, traced: bool) -> tuple[int, float, float, float]:
    """Runs in a fresh process: (rows, seconds, peak heap MB, max RSS MB)."""
    data = Path(path).read_bytes()
    _own.clear()
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    count = step(data, rows)
    seconds = _own.get("seconds", time.perf_counter() - start)
    peak = 0.0
    if traced:
        peak = (tracemalloc.get_traced_memory()[1] - _own.get("heap_base", 0)) / 2**20
        tracemalloc.stop()
    return count, seconds, peak, _peak_rss_mb()


def _peak_rss_mb() -> float:
    """This process's peak RSS. Linux's VmHWM, not ru_maxrss: a spawned child inherits
    the ru_maxrss of the parent it was forked from (the parent built the workbook)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(step: Step, path: str, rows: int) -> Figure:
    def run(traced: bool) -> tuple[int, float, float, float]:
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            return pool.submit(_measure, step, path, rows, traced).result()

    count, seconds, _, rss = run(traced=False)
    _, _, peak, _ = run(traced=True)
    return Figure(count, seconds, peak, rss)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--skip-old", action="store_true", help="measure the new code only")
    parser.add_argument("--steps", nargs="+", choices=list(STEPS), default=list(STEPS))
    options = parser.parse_args(argv)
    print(
        f"{'rows':>7} {'step':<9} {'impl':<4} {'rows/s':>9} {'seconds':>8} "
        f"{'heap MB':>8} {'RSS MB':>7}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for size in options.rows:
            path = Path(folder, f"facilities_{size}.xlsx")
            path.write_bytes(build_workbook(size))
            for name in options.steps:
                new, old = STEPS[name]
                runs = [("new", new)] + ([("old", old)] if old and not options.skip_old else [])
                for kind, step in runs:
                    figure = measure(step, str(path), size)
                    print(
                        f"{size:>7} {name:<9} {kind:<4} "
                        f"{figure.rows_per_second:>9,.0f} {figure.seconds:>8.2f} "
                        f"{figure.peak_heap_mb:>8.1f} {figure.max_rss_mb:>7.0f}",
                        flush=True,
                    )


if __name__ == "__main__":
    sys.exit(main())
