"""`make bench` (c): the create flow with the built-in registry against its floor.

For each facility workbook the create flow runs on the local stack with the built-in
registry and is measured end to end, per stage and in state transitions. The **floor** is
one plain process on the same machine doing the same work with no orchestration: stream
the file, validate with the same validator, write the same items to the same registry with
BatchWriteItem, write the same processed file. Absolute seconds depend on the machine and
its load; compare the ratios.
"""

import io
import json
import re
import time
import zipfile
from datetime import datetime
from typing import Any

from openpyxl import Workbook

from local.samples import facility_rows
from local.stack import LocalStack
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY, README_SHEET
from tests.support.api import ProjectFactoryClient
from tests.support.settings import wired_settings

#: the flow's settings in every builtin run (the remote runs set their own)
PARAMETERS = {
    "ChunkSize": "1000",
    "CreateBatchSize": "100",
    "MapMaxConcurrency": "4",
    "BackoffSeconds": "1",
    "LogLevel": "ERROR",
}


def facility_workbook(rows: int, invalid: int) -> bytes:
    """A facility upload as an administrator sends it, written in openpyxl's streaming mode,
    with the `<dimension>` Excel writes in every sheet it saves (openpyxl's write-only mode
    writes none, and without one Validate cannot size its chunks to the file)."""
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
    return with_dimensions(buffer.getvalue())


_ROW = re.compile(rb'<row r="(\d+)"')
_CELL = re.compile(rb'<c r="([A-Z]+)\d+"')
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b")
_AFTER_SHEET_PR = re.compile(rb"</sheetPr>|<sheetPr\b[^>]*/>")


def with_dimensions(data: bytes) -> bytes:
    """The workbook with a `<dimension ref="A1:{last column}{last row}">` in each worksheet
    that has none, right after its `<sheetPr>` (where the schema puts it)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            part = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/") and not _DIMENSION.search(part):
                part = _dimensioned(part)
            target.writestr(item, part)
    return out.getvalue()


def _dimensioned(part: bytes) -> bytes:
    last_rows = _ROW.findall(part[-4096:]) or _ROW.findall(part)
    if not last_rows:
        return part
    head = part[:65536]
    columns = {column for column in _CELL.findall(head)}
    last_column = max(columns, key=lambda column: (len(column), column), default=b"A")
    element = b'<dimension ref="A1:%s%s"/>' % (last_column, last_rows[-1])
    found = _AFTER_SHEET_PR.search(part)
    if found is None:
        return part
    return part[: found.end()] + element + part[found.end() :]


def run_flow(stack: LocalStack, client: ProjectFactoryClient, data: bytes) -> dict[str, Any]:
    """The create flow through the API; seconds end to end, per stage, and transitions."""
    started = time.perf_counter()
    file_store_id = client.upload(data, "facilities.xlsx")
    accepted = client.create(file_store_id, "facility").json()["ResourceDetails"]
    resource_row = client.wait_until_final(accepted["id"], timeout=3600, longest_pause=0.5)
    seconds = time.perf_counter() - started
    if "counts" not in resource_row["additionalDetails"]:
        raise RuntimeError(f"the create flow failed: {resource_row['additionalDetails']}")
    history = stack.history(stack.execution_arn("ResourceCreateStateMachine", accepted["id"]))
    return {
        "status": resource_row["status"],
        "counts": resource_row["additionalDetails"]["counts"],
        "seconds": round(seconds, 2),
        "stages": stage_seconds(history),
        "transitions": _transitions(stack, accepted["id"], history),
    }


def stage_seconds(history: list[dict[str, Any]]) -> dict[str, float]:
    """Seconds from entering each state of the execution to leaving it (its last time)."""
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
    from project_factory.adapters.targets.registry import registry_target
    from project_factory.domain.resources import RowStatus
    from project_factory.domain.target_calls import PendingRow
    from project_factory.sheets.processed import write_processed
    from project_factory.sheets.processed_results import RowResult
    from project_factory.sheets.reader import iter_sheet_rows
    from project_factory.sheets.validation import RowValidator

    started = time.perf_counter()
    messages = load_bundled_messages()
    schema = bundled_json_schema(FACILITY.schema_identifier)
    table = boto3.resource("dynamodb", region_name=stack.region).Table(
        stack.physical_id("RegistryTable")
    )
    registry = registry_target("facility", wired_settings(), table)
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
