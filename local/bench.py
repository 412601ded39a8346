"""`make bench`: the create flow at 10k and 100k rows against its floor, in one run.

For each facility workbook (10k and 100k rows; a second variant with 5% invalid rows) it
runs the full create flow on the local stack with the built-in registry and measures:
end-to-end seconds and rows/s, seconds per stage, state transitions, and (in a second,
traced pass) the peak Python heap of each handler invocation. The **floor** is one plain
process on the same machine doing the same work with no orchestration: stream the file,
validate with the same validator, write the same items to the same registry with
BatchWriteItem, write the same processed file. Results go to out/bench.json.

Absolute seconds depend on the machine and its load; compare the ratios.
"""

import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook

from local.samples import facility_rows
from local.stack import LocalStack
from local.template import ROOT
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY, README_SHEET
from tests.support.api import ProjectFactoryClient

OUT = ROOT / "out"
SIZES = (10_000, 100_000)
PARAMETERS = {
    "ChunkSize": "1000",
    "CreateBatchSize": "100",
    "MapMaxConcurrency": "4",
    "BackoffSeconds": "1",
    "LogLevel": "ERROR",
}


def facility_workbook(rows: int, invalid: int) -> bytes:
    """A facility upload as an administrator sends it, written in openpyxl's streaming mode."""
    messages = load_bundled_messages()
    columns = bundled_json_schema(FACILITY.schema_identifier)["x-columns"]
    workbook = Workbook(write_only=True)
    readme = workbook.create_sheet(messages.text(README_SHEET))
    readme.append(["Facilities of the benchmark campaign"])
    sheet = workbook.create_sheet(messages.text(FACILITY.data_sheet))
    sheet.append([messages.text(code) for code in columns])
    for row in facility_rows(rows, invalid):
        sheet.append([row.get(code) for code in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_flow(stack: LocalStack, client: ProjectFactoryClient, data: bytes) -> dict[str, Any]:
    """The create flow through the API; seconds end to end, per stage, and transitions."""
    started = time.perf_counter()
    file_store_id = client.upload(data, "facilities.xlsx")
    accepted = client.create(file_store_id, "facility").json()["ResourceDetails"]
    resource_row = client.wait_until_final(accepted["id"], timeout=3600)
    seconds = time.perf_counter() - started
    if "counts" not in resource_row["additionalDetails"]:
        raise RuntimeError(f"the create flow failed: {resource_row['additionalDetails']}")
    history = stack.history(stack.execution_arn("ResourceCreateStateMachine", accepted["id"]))
    return {
        "status": resource_row["status"],
        "counts": resource_row["additionalDetails"]["counts"],
        "seconds": round(seconds, 2),
        "stages": _stage_seconds(history),
        "transitions": _transitions(stack, accepted["id"], history),
    }


def _stage_seconds(history: list[dict[str, Any]]) -> dict[str, float]:
    entered: dict[str, datetime] = {}
    stages: dict[str, float] = {}
    for event in history:
        if details := event.get("stateEnteredEventDetails"):
            entered[details["name"]] = event["timestamp"]
        elif (details := event.get("stateExitedEventDetails")) and details["name"] in entered:
            seconds = (event["timestamp"] - entered[details["name"]]).total_seconds()
            stages[details["name"]] = round(seconds, 2)
    return stages


def _transitions(stack: LocalStack, resource_id: str, history: list[dict[str, Any]]) -> int:
    """States entered by the execution and by every Map iteration.

    moto keeps no history for Map iterations, so theirs are counted from each chunk's
    recorded attempts: CreateRows, AwaitingConfirmation and RowsPending per attempt (plus
    the Wait and ConfirmRows of bulk targets), a Backoff between attempts, and ChunkDone.
    """
    parent = sum("stateEnteredEventDetails" in event for event in history)
    s3 = stack.client("s3")
    bucket = stack.physical_id("FilesBucket")
    iterations = 0
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=f"scratch/{resource_id}/outcomes/"):
        for item in page.get("Contents", []):
            attempts = json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())[
                "attempts"
            ]
            iterations += 3 * attempts + (attempts - 1) + 1
    return parent + iterations


def run_floor(stack: LocalStack, data: bytes, tenant: str) -> float:
    """The same work in one plain process: no API, no state machine, no scratch files."""
    import boto3

    from project_factory.adapters.boundary_source import BundledBoundarySource
    from project_factory.adapters.targets.base import PendingRow
    from project_factory.adapters.targets.registry import registry_target
    from project_factory.models import RowStatus
    from project_factory.settings import Settings
    from project_factory.sheets.processed import RowResult, write_processed
    from project_factory.sheets.reader import iter_sheet_rows
    from project_factory.sheets.validation import RowValidator

    started = time.perf_counter()
    messages = load_bundled_messages()
    schema = bundled_json_schema(FACILITY.schema_identifier)
    table = boto3.resource("dynamodb", region_name=stack.region).Table(
        stack.physical_id("RegistryTable")
    )
    registry = registry_target("facility", Settings(), table)
    validator = RowValidator(
        schema,
        FACILITY,
        phone_length=10,
        allowed_boundary_codes=BundledBoundarySource().codes(tenant, "ADMIN"),
        # The same lookup the flow makes: names the registry already holds are invalid.
        registered=lambda _column, names: registry.registered(tenant, "name", names),
        messages=messages,
    )
    verdicts = list(validator.validate_all(iter_sheet_rows(data, FACILITY, messages)))
    results: dict[int, RowResult] = {}
    # As the flow: a file with invalid rows creates nothing.
    create = not any(verdict.errors for verdict in verdicts)
    with table.batch_writer() as batch:
        for verdict in verdicts:
            if verdict.errors or verdict.canonical is None:
                results[verdict.row_number] = RowResult(RowStatus.INVALID, errors=verdict.errors)
            elif not create:
                results[verdict.row_number] = RowResult(RowStatus.VALID)
            else:
                row = PendingRow(
                    f"floor:{verdict.row_number}", verdict.row_number, verdict.canonical
                )
                records, ref_claim = registry.items(tenant, row)
                for item in [*records, ref_claim]:
                    batch.put_item(Item=item)
                results[verdict.row_number] = RowResult(RowStatus.CREATED, id=ref_claim["id"])
    write_processed(data, FACILITY, results.items(), messages, None, io.BytesIO())
    return time.perf_counter() - started


def template_timing(localities: int = 10_000) -> dict[str, float]:
    """A facilityWithBoundary template for a hierarchy of `localities` against a plain
    write-only workbook holding the same cells (values only: no styles, locks, lists)."""
    from openpyxl import load_workbook

    from project_factory.adapters.boundary_source import Boundary
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
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "common"), "AWS_REGION": "us-east-1"}
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


def main() -> int:
    OUT.mkdir(exist_ok=True)
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "runs": [],
    }
    files: dict[tuple[int, int], bytes] = {}
    for rows in SIZES:
        for invalid in (0, rows // 20):
            say(f"writing a {rows}-row workbook, {invalid} invalid")
            files[rows, invalid] = facility_workbook(rows, invalid)
    with LocalStack(parameter_overrides=PARAMETERS) as stack, stack.http_api() as url:
        for (rows, invalid), data in files.items():
            say(f"create flow, {rows} rows, {invalid} invalid")
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
            report["runs"].append(run)
            print(f"    {json.dumps(run, default=str)}", flush=True)
    # Heap peaks are process-wide, so this pass runs one chunk at a time.
    sequential = PARAMETERS | {"MapMaxConcurrency": "1"}
    with LocalStack(parameter_overrides=sequential) as stack, stack.http_api() as url:
        say(f"traced pass, {SIZES[-1]} rows")
        tracemalloc.start()
        run_flow(stack, ProjectFactoryClient(url, tenant_id="bench.heap"), files[SIZES[-1], 0])
        tracemalloc.stop()
        report["peak_heap_mb"] = {
            name: round(peak / 1e6, 1) for name, peak in sorted(stack.runtime.heap_peaks.items())
        }
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    say("template of 10k boundaries against a plain write")
    report["template"] = template_timing()
    report["template_ratio"] = report["template"]["template_ratio"]
    report["import_ms"] = import_milliseconds()
    report["layer_mb"] = layer_megabytes()
    by_size = {run["rows"]: run for run in report["runs"] if run["invalid"] == 0}
    report["scaling_100k_over_10k"] = round(
        by_size[SIZES[-1]]["seconds"] / by_size[SIZES[0]]["seconds"], 2
    )
    largest = by_size[SIZES[-1]]
    report |= {
        "rows": largest["rows"],
        "seconds": largest["seconds"],
        "floor_seconds": largest["floor_seconds"],
        "ratio": largest["ratio"],
        "transitions": largest["transitions"],
    }
    (OUT / "bench.json").write_text(json.dumps(report, indent=2, default=str))
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
