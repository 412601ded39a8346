"""Issue #14, 4(a): the create flow against a remote target, and its latency bound.

    .venv/bin/python -m local.bench_remote --rows 10000 [--concurrency 1 8] [--latency 0.1]

For each MapMaxConcurrency, a fresh local stack creates a facility file of `rows` valid
rows in a fresh DIGIT fake (FacilityTarget=digit) that answers every call after
`latency` seconds, slept in the request's own thread (the fake's server is threaded), so
the latency holds no CPU and concurrent calls overlap. The fake runs in a process of its
own (tests/fakes/digit_process.py), as a remote service does: its HTTP and JSON work is not
counted as the stack's. ChunkSize and CreateBatchSize are
the template's defaults; ConfirmDelaySeconds is 1.

The latency bound is what a flow whose only cost is the service's latency would take:

    minimum calls  = ceil(rows / CreateBatchSize)    bulk creates
                   + ceil(rows / REFS_PER_SEARCH)    confirming searches (100 references
                                                     each, digit/search_paging.py _REFS_PER_SEARCH)
    confirm waits  = ConfirmDelaySeconds x chunks / MapMaxConcurrency
                     (one Wait per chunk between its bulk creates and its confirm; chunks
                     wait in parallel)
    latency bound  = minimum calls x latency / MapMaxConcurrency + confirm waits

and `ratio_to_latency_bound` is end to end (upload to final status, through the API)
over it; the create stage (the CreateChunks Map state, from the execution's history) has
its own ratio against the same bound. `chunk_minimum_calls` is the same minimum counted
chunk by chunk (a chunk whose size is not a multiple of the batch sends a short batch
more): what the flow can reach with the chunks Validate cut.

Each run also says where its time went (`profile`): the seconds of each stage, the
handlers' invocations (count and wall seconds, summed over threads), the wall seconds
in HTTP calls to the fake and the fake's own handling (in its process), the AWS calls
answered by moto and the time they waited for and held its lock (local/lambdas.py
`_moto_lock`), and the CPU seconds of the whole process (one process and one GIL here,
where Lambda gives every invocation its own). The instruments wrap methods for the run
and put them back after.

The DIGIT fake looks facilities up by reference and id in an index, as the real service's
database does (tests/fakes/digit_services.py), so that the fake's own time stays small.
"""

import argparse
import json
import math
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import boto3

from local.bench_builtin import facility_workbook, stage_seconds
from local.bench_meter import RunMeter
from local.stack import FINAL_EXECUTION_STATES, LocalStack
from project_factory.domain.resources import FINAL_RESOURCE_STATUSES
from tests.fakes.digit_process import DigitProcess
from tests.fakes.digit_services import (
    FACILITY_BULK_CREATE,
    FACILITY_SEARCH,
)
from tests.support.api import ProjectFactoryClient

#: Wait between a chunk's bulk creates and its confirming search (s), counted in the bound
CONFIRM_DELAY_SECONDS = 1
#: References per confirming search (project_factory.adapters.targets.digit.search_paging)
REFS_PER_SEARCH = 100
#: The template's defaults (the bench keeps them)
CREATE_BATCH_SIZE = 100
PARAMETERS = {
    "ConfirmDelaySeconds": str(CONFIRM_DELAY_SECONDS),
    "BackoffSeconds": "1",
    "BackoffMaxSeconds": "1",
    "LogLevel": "ERROR",
}
RUN_TIMEOUT_SECONDS = 6 * 3600
#: how often the end of the execution is asked for (s)
POLL_SECONDS = 0.1
#: the longest the final status goes unread while no handler returns (s)
STATUS_CHECK_SECONDS = 5.0


def remote_figures(
    rows: int,
    concurrencies: Sequence[int] = (1, 8),
    latency: float = 0.1,
    *,
    claims: bool = True,
) -> dict[str, Any]:
    """The create flow of `rows` facilities against the DIGIT fake at `latency` seconds per
    call, once per MapMaxConcurrency, each on a fresh stack and a fresh fake (see the
    module's docstring for the bound). `speedup_1_to_8` needs 1 and 8 among them.
    `claims=False` is a what-if for profiling, not the product: the facility target claims
    no names in the registry table (one conditional PutItem per row otherwise)."""
    data = facility_workbook(rows, 0)
    runs = {str(c): remote_run(data, rows, c, latency, claims=claims) for c in concurrencies}
    figures: dict[str, Any] = {
        "rows": rows,
        "latency_ms": round(latency * 1000),
        **({} if claims else {"what_if": "no name claims"}),
        "runs": runs,
        "ratio_to_latency_bound": max(run["ratio_to_latency_bound"] for run in runs.values()),
        "create_stage_ratio_to_latency_bound": max(
            run["create_stage_ratio_to_latency_bound"] for run in runs.values()
        ),
        "calls_per_1000_rows": max(run["calls_per_1000_rows"] for run in runs.values()),
    }
    if "1" in runs and "8" in runs:
        one, eight = runs["1"], runs["8"]
        figures["speedup_1_to_8"] = round(one["seconds"] / eight["seconds"], 2)
        figures["create_stage_speedup_1_to_8"] = round(
            one["stages"]["CreateChunks"] / eight["stages"]["CreateChunks"], 2
        )
    return figures


def remote_run(
    data: bytes, rows: int, concurrency: int, latency: float, *, claims: bool = True
) -> dict[str, Any]:
    """One create flow of the workbook `data` (`rows` rows) at this MapMaxConcurrency."""
    with (
        DigitProcess(lifetime_seconds=RUN_TIMEOUT_SECONDS, latency_seconds=latency) as digit,
        _without_claims(not claims),
    ):
        parameters = (
            PARAMETERS
            | digit.stack_parameters(read_timeout="20")
            | {"MapMaxConcurrency": str(concurrency)}
        )
        with LocalStack(parameter_overrides=parameters) as stack, stack.http_api() as url:
            client = ProjectFactoryClient(url, tenant_id=f"bench.remote.{concurrency}")
            with RunMeter(stack) as meter, _handler_returns(stack) as returned:
                started = time.perf_counter()
                file_store_id = client.upload(data, "facilities.xlsx")
                accepted = client.create(file_store_id, "facility")
                accepted.raise_for_status()
                resource_id = accepted.json()["ResourceDetails"]["id"]
                _final_status_written(stack, resource_id, returned)
                seconds = time.perf_counter() - started
            arn = stack.execution_arn("ResourceCreateStateMachine", resource_id)
            execution = _execution_ended(stack, arn)
            resource = client.wait_until_final(resource_id, timeout=60, longest_pause=0.5)
            if resource["status"] != "created":
                raise RuntimeError(f"the create flow ended {resource['status']}: {resource}")
            history = stack.history(arn)
            chunks = _chunks(stack, resource_id)
        creates, searches = digit.calls(FACILITY_BULK_CREATE), digit.calls(FACILITY_SEARCH)
        calls = digit.calls("/")
        duplicates = digit.duplicates("facility")
        handling = digit.handling_seconds()
    stages = stage_seconds(history)
    minimum = minimum_calls(rows)
    by_chunk = sum(minimum_calls(chunk["rows"]) for chunk in chunks["chunks"])
    waits = CONFIRM_DELAY_SECONDS * len(chunks["chunks"]) / concurrency
    bound = minimum * latency / concurrency + waits
    return {
        "concurrency": concurrency,
        "seconds": round(seconds, 2),
        "execution_seconds": round(
            (execution["stopDate"] - execution["startDate"]).total_seconds(), 2
        ),
        "stages": stages,
        "calls": {"creates": creates, "searches": searches, "all": calls},
        "calls_per_1000_rows": round(calls * 1000 / rows, 2),
        "minimum_calls": minimum,
        "chunk_minimum_calls": by_chunk,
        "chunks": len(chunks["chunks"]),
        "chunk_rows": sorted(Counter(chunk["rows"] for chunk in chunks["chunks"]).items()),
        "attempts": chunks["attempts"],
        "sent_twice": duplicates,
        "confirm_wait_seconds": round(waits, 2),
        "latency_bound_seconds": round(bound, 2),
        "ratio_to_latency_bound": round(seconds / bound, 3),
        "create_stage_ratio_to_latency_bound": round(stages["CreateChunks"] / bound, 3),
        "counts": resource["additionalDetails"].get("counts"),
        "profile": meter.figures(calls=calls, latency=latency) | {"fake_handling": handling},
    }


@contextmanager
def _handler_returns(stack: LocalStack) -> Iterator[threading.Event]:
    """An event set each time a handler's invocation returns (or raises), for the run."""
    runtime = stack.runtime
    assert runtime is not None
    invoke = runtime.invoke
    returned = threading.Event()

    def invoke_and_tell(name_or_arn: str, event: Any) -> Any:
        try:
            return invoke(name_or_arn, event)
        finally:
            returned.set()

    runtime.invoke = invoke_and_tell  # type: ignore[method-assign]
    try:
        yield returned
    finally:
        runtime.invoke = invoke  # type: ignore[method-assign]


def _final_status_written(stack: LocalStack, resource_id: str, returned: threading.Event) -> None:
    """Returns once Finalize has written the resource's final status, read with one GetItem
    (the cheapest question moto answers) each time a handler returns, and at least every
    STATUS_CHECK_SECONDS: only a handler writes it. Reading it every 0.1 s, as before, was
    about a second of the measured process's CPU in a run of 10k rows at MapMaxConcurrency
    1, taken from the flow it measured (and the API's status search runs a handler,
    describe_execution renders the whole execution)."""
    table = boto3.resource("dynamodb", region_name=stack.region).Table(
        stack.physical_id("ResourcesTable")
    )
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        returned.wait(STATUS_CHECK_SECONDS)
        # Cleared before the read: a handler that returns after it sets it again.
        returned.clear()
        item = table.get_item(
            Key={"id": resource_id},
            ConsistentRead=True,
            ProjectionExpression="#s",
            ExpressionAttributeNames={"#s": "status"},
        ).get("Item")
        if item and item.get("status") in FINAL_RESOURCE_STATUSES:
            return
    raise TimeoutError(f"{resource_id} has no final status after {RUN_TIMEOUT_SECONDS} s")


def _execution_ended(stack: LocalStack, arn: str) -> dict[str, Any]:
    """describe_execution once the execution has ended (it ends just after Finalize has
    written the final status), asked every POLL_SECONDS."""
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            described = sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            described = {"status": "NOT_STARTED"}
        if described["status"] in FINAL_EXECUTION_STATES:
            return described
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"{arn} has not ended after {RUN_TIMEOUT_SECONDS} s")


@contextmanager
def _without_claims(active: bool) -> Iterator[None]:
    """What-if (profiling only): the DIGIT facility target gets no claims store."""
    if not active:
        yield
        return
    from project_factory.adapters.targets.digit import factory

    wired = factory.dynamo_key_claims
    factory.dynamo_key_claims = lambda *_: None  # type: ignore[assignment]
    try:
        yield
    finally:
        factory.dynamo_key_claims = wired


def minimum_calls(rows: int) -> int:
    """Bulk creates and confirming searches of `rows` rows created on a first attempt."""
    return math.ceil(rows / CREATE_BATCH_SIZE) + math.ceil(rows / REFS_PER_SEARCH)


# -- what the run did ------------------------------------------------------------------------


def _chunks(stack: LocalStack, resource_id: str) -> dict[str, Any]:
    """The manifest's chunks, and the attempts each chunk made (from its outcomes)."""
    s3 = stack.client("s3")
    bucket = stack.physical_id("FilesBucket")
    base = f"scratch/{resource_id}/"
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"{base}manifest.json")["Body"].read())
    attempts: Counter[int] = Counter()
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"{base}outcomes/"
    ):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            attempts[json.loads(body)["attempts"]] += 1
    return {"chunks": manifest, "attempts": dict(sorted(attempts.items()))}


# -- main ------------------------------------------------------------------------------------


@contextmanager
def _quiet_handlers() -> Iterator[None]:
    """The handlers' log lines (LogLevel ERROR keeps them few) go to stderr, not stdout."""
    saved = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stdout = saved


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per call")
    parser.add_argument(
        "--without-claims",
        action="store_true",
        help="what-if for profiling: the facility target claims no names",
    )
    options = parser.parse_args(argv)
    with _quiet_handlers():
        figures = remote_figures(
            options.rows,
            options.concurrency,
            options.latency,
            claims=not options.without_claims,
        )
    print(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
