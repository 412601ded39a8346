"""`make bench`: what a user waits for, in one run on one machine (out/bench.json).

- (a) remote: the create flow against the DIGIT fake answering every call after 100 ms,
  at MapMaxConcurrency 1 and 8, against the latency bound (local/bench_remote.py);
- (b) workbook: read, validate and write of a facility file against the floor of the
  fastest libraries (python-calamine, jsonschema-rs, a zip copy; local/bench_workbook.py);
- (c) builtin: the create flow with the built-in registry against one plain process doing
  the same work (local/bench_builtin.py);
- (d) heap: the peak Python heap of every handler invocation (tracemalloc, one chunk at a
  time), Validate and Finalize at Excel's row limit too; what moto keeps of what an
  invocation wrote is counted apart (S3 bodies go to disk for this pass);
- (e) the template against a plain write of the same cells, and the handlers' import times.

`--quick` (`make bench QUICK=1`) runs all of it at 10k rows and skips the 1M-row pass.
Absolute seconds depend on the machine and its load; compare the ratios.
"""

import argparse
import io
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from openpyxl import Workbook

from local.bench_builtin import PARAMETERS, facility_workbook, run_floor, run_flow
from local.bench_remote import remote_figures
from local.bench_workbook import workbook_figures
from local.stack import LocalStack
from local.template import ROOT
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY
from tests.support.api import ProjectFactoryClient
from tests.support.served_stack import Integrator
from tests.support.settings import WIRED_ENVIRONMENT

OUT = ROOT / "out"
#: Excel's last row holds data: 1,048,576 rows, the header among them
EXCEL_DATA_ROWS = 1_048_575
#: the limits a file of Excel's size needs (the defaults refuse one beyond 200k rows)
EXCEL_SIZED_LIMITS = {
    "UPLOAD_MAX_ROWS": "1048576",
    "UPLOAD_MAX_UNCOMPRESSED_BYTES": str(2 << 30),
    "UPLOAD_MAX_SHARED_STRINGS_BYTES": str(512 << 20),
}


def builtin_figures(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """(c) Each size, valid and with 5% invalid rows: the flow and its floor."""
    runs = []
    files = {}
    for rows in sizes:
        for invalid in (0, rows // 20):
            say(f"writing a {rows}-row workbook, {invalid} invalid")
            files[rows, invalid] = facility_workbook(rows, invalid)
    with LocalStack(parameter_overrides=PARAMETERS) as stack, stack.http_api() as url:
        for (rows, invalid), data in files.items():
            say(f"builtin create flow, {rows} rows, {invalid} invalid")
            client = ProjectFactoryClient(url, tenant_id=f"bench.{rows}.{invalid}")
            flow = run_flow(stack, client, data)
            say(f"floor, {rows} rows, {invalid} invalid")
            floor = run_floor(stack, data, f"floor.{rows}.{invalid}")
            run = {
                "rows": rows,
                "invalid": invalid,
                **flow,
                "rows_per_second": round(rows / flow["seconds"]),
                "floor_seconds": round(floor, 2),
                "ratio": round(flow["seconds"] / floor, 2),
            }
            runs.append(run)
            print(f"    {orjson.dumps(run, default=str).decode()}", flush=True)
    return runs


def heap_figures(rows: int, excel_rows: int | None) -> dict[str, dict[str, float]]:
    """(d) Peak heap and retained heap (MB) per function: the create flow at `rows`, one
    chunk at a time (the peaks are process-wide), then a validation of `excel_rows`."""
    peaks: dict[str, float] = {}
    retained: dict[str, float] = {}
    sequential = PARAMETERS | {"MapMaxConcurrency": "1"}
    with _environment({"MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": "1"}):
        data = facility_workbook(rows, 0)
        with LocalStack(parameter_overrides=sequential) as stack, stack.http_api() as url:
            say(f"traced create flow, {rows} rows")
            with _traced():
                run_flow(stack, ProjectFactoryClient(url, tenant_id="bench.heap"), data)
            _collect(stack, "", peaks, retained)
        if excel_rows:
            say(f"writing a {excel_rows}-row workbook")
            data = facility_workbook(excel_rows, 0)
            with (
                _environment(EXCEL_SIZED_LIMITS),
                LocalStack(parameter_overrides=sequential) as stack,
                stack.http_api() as url,
            ):
                say(f"traced validation, {excel_rows} rows")
                client = ProjectFactoryClient(url, tenant_id="bench.excel")
                file_store_id = Integrator(url, client.tenant_id, token=client.token)
                file_store_id = file_store_id.upload_presigned(data, "facilities.xlsx")
                with _traced():
                    accepted = client.create(file_store_id, "facility", action="validate")
                    resource_id = accepted.json()["ResourceDetails"]["id"]
                    final = client.wait_until_final(resource_id, timeout=7200, longest_pause=1.0)
                if final["status"] != "validated":
                    raise RuntimeError(f"the {excel_rows}-row validation ended {final}")
                _collect(stack, f" at {excel_rows} rows", peaks, retained)
    return {"peak_heap_mb": peaks, "moto_retained_mb": retained}


def _collect(
    stack: LocalStack, suffix: str, peaks: dict[str, float], retained: dict[str, float]
) -> None:
    runtime = stack.runtime
    for name, peak in sorted(runtime.heap_peaks.items()):
        peaks[name + suffix] = round(peak / 1e6, 1)
        retained[name + suffix] = round(runtime.heap_retained.get(name, 0) / 1e6, 1)


@contextmanager
def _traced() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """The process environment with `values` set (the local stack's functions read it)."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def template_timing(localities: int = 10_000) -> dict[str, float]:
    """A facilityWithBoundary template for a hierarchy of `localities` against a plain
    write-only workbook holding the same cells (values only: no styles, locks, lists)."""
    from openpyxl import load_workbook

    from project_factory.domain.boundaries import Boundary
    from project_factory.sheets.template import TemplateBoundaries, build_template

    every = [Boundary("BENCH", "Bench", "Country", None)]
    for province in range(10):
        every.append(Boundary(f"P{province}", f"Province {province}", "Province", "BENCH"))
        for district in range(10):
            code = f"P{province}D{district}"
            every.append(Boundary(code, f"District {code}", "District", f"P{province}"))
            every += [
                Boundary(f"{code}L{n}", f"Locality {code}L{n}", "Locality", code)
                for n in range(localities // 100)
            ]
    boundaries = TemplateBoundaries(
        "BENCH", ["Country", "Province", "District", "Locality"], every, every
    )
    started = time.perf_counter()
    data = build_template(
        "facilityWithBoundary",
        bundled_json_schema(FACILITY.schema_identifier),
        boundaries,
        load_bundled_messages(),
        "en_IN",
        password="bench-password",
        unlocked_rows=2000,
        metadata={"type": "facilityWithBoundary", "tenantId": "bench"},
    )
    template_seconds = time.perf_counter() - started
    sheets = {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in load_workbook(io.BytesIO(data), read_only=True).worksheets
    }
    started = time.perf_counter()
    plain = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = plain.create_sheet(title)
        for row in rows:
            sheet.append(row)
    plain.save(io.BytesIO())
    plain_seconds = time.perf_counter() - started
    return {
        "boundaries": len(every),
        "template_seconds": round(template_seconds, 2),
        "plain_seconds": round(plain_seconds, 2),
        "template_ratio": round(template_seconds / plain_seconds, 2),
    }


def import_milliseconds(runs: int = 5) -> dict[str, float]:
    """Cold-start import time of each handler module (python -X importtime), the median of
    `runs` fresh processes: one run on a shared machine is noise."""
    timings: dict[str, float] = {}
    # A handler reads its settings at import, as on a cold start: the names the template
    # gives every function are required (tests/support/settings.WIRED_ENVIRONMENT).
    env = {
        **os.environ,
        **WIRED_ENVIRONMENT,
        "PYTHONPATH": str(ROOT / "layers" / "common"),
        "AWS_REGION": "us-east-1",
    }
    for handler in sorted((ROOT / "functions").glob("*/app.py")):
        samples = []
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", "import app"],
                cwd=handler.parent,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            last = [line for line in done.stderr.splitlines() if line.rstrip().endswith("| app")]
            samples.append(int(last[-1].split("|")[1]) / 1000)
        timings[handler.parent.name] = round(statistics.median(samples), 1)
    return timings


def layer_megabytes() -> float | None:
    built = ROOT / ".aws-sam" / "build" / "CommonLayer"
    if not built.exists():
        return None
    size = sum(path.stat().st_size for path in built.rglob("*") if path.is_file())
    return round(size / 1e6, 1)


def say(text: str) -> None:
    print(f"  {text} ...", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k rows, no 1M-row pass")
    options = parser.parse_args(argv)
    sizes = (10_000,) if options.quick else (10_000, 100_000)
    largest = sizes[-1]
    OUT.mkdir(exist_ok=True)
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    started = time.perf_counter()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "quick": options.quick,
    }
    try:
        say(f"remote target, {largest} rows, 100 ms a call")
        report["remote"] = remote_figures(largest)
        say(f"workbook path against its floor, {largest} rows")
        report["workbook"] = workbook_figures(largest)
        runs = builtin_figures(sizes)
        by_size = {run["rows"]: run for run in runs if run["invalid"] == 0}
        report["builtin"] = {
            "runs": runs,
            "ratio": by_size[largest]["ratio"],
            "seconds": by_size[largest]["seconds"],
            "floor_seconds": by_size[largest]["floor_seconds"],
            "transitions": by_size[largest]["transitions"],
        }
        if len(by_size) > 1:
            report["builtin"]["scaling_100k_over_10k"] = round(
                by_size[largest]["seconds"] / by_size[sizes[0]]["seconds"], 2
            )
        report |= heap_figures(largest, None if options.quick else EXCEL_DATA_ROWS)
        report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        say("template of 10k boundaries against a plain write")
        report["template"] = template_timing()
        report["template_ratio"] = report["template"]["template_ratio"]
        report["import_ms"] = import_milliseconds(3 if options.quick else 5)
        report["layer_mb"] = layer_megabytes()
    finally:
        # What ran is kept, even when a later section fails: a full run takes an hour.
        report["bench_seconds"] = round(time.perf_counter() - started)
        (OUT / "bench.json").write_bytes(
            orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str)
        )
    print((OUT / "bench.json").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
