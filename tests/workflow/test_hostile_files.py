"""Hostile files through `_create` and the create flow in the local stack.

Each ends `failed` with its stable code (MarkFailed reads it from the step's error) or
`invalid` with the row's code, about as fast as a normal file goes through, with the
Validate step's heap far under 256 MiB; the stack keeps answering other requests; and
a template for a tenant whose stored facilities carry control characters or formulas
is still generated, with those values as clean text.
"""

import io
import os
import re
import time
import tracemalloc

import boto3
import pytest
from openpyxl import load_workbook

from local.samples import facility_rows, workbook_from_rows
from project_factory.adapters.targets.registry import registry_target
from project_factory.domain.resources import ResourceDetailsInput
from project_factory.domain.target_calls import PendingRow
from project_factory.flows.intake import resource_id_for
from project_factory.sheets.spec import FACILITY
from tests.support.checks import header, processed_rows
from tests.support.settings import wired_settings
from tests.unit.hostile.corpus import (
    BILLION_LAUGHS,
    SHEET,
    XXE,
    bomb,
    changed,
    data_row,
    in_sheet,
    normal,
    patched_flags,
    random_text,
    with_prolog,
    with_rows,
    with_shared,
)

#: The upload limit of this module's stack (FILE_TOO_LARGE above it), set for its functions.
UPLOAD_LIMIT = 8 << 20
PEAK_BYTES = 256 << 20
CODE = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")
NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
DISTRICT = {
    "boundaries": [{"code": "NDOPO_E47341", "type": "Locality", "includeAllChildren": True}]
}


@pytest.fixture(scope="module")
def stack_parameters():
    # The functions read their settings from the environment when they first run; the
    # template has no parameter for this limit, so it is set here for this module's stack.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UPLOAD_MAX_BYTES", str(UPLOAD_LIMIT))
        yield {}


def _valid_file(count: int = 3) -> tuple[bytes, list[dict]]:
    rows = facility_rows(count, invalid=0)
    return workbook_from_rows(FACILITY, rows), rows


def _final(client, data: bytes) -> tuple[dict, float]:
    """The resource of an upload created through `_create`, and the seconds it took."""
    started = time.perf_counter()
    file_store_id = client.upload(data)
    accepted = client.create(file_store_id, "facility")
    assert accepted.status_code == 200, accepted.text
    resource = client.wait_until_final(accepted.json()["ResourceDetails"]["id"])
    return resource, time.perf_counter() - started


@pytest.fixture(scope="module")
def normal_seconds(api_url) -> float:
    """How long a normal file of three facilities takes from upload to its final status."""
    from tests.support.api import ProjectFactoryClient

    client = ProjectFactoryClient(api_url, tenant_id="mz.hostileref")
    data, _ = _valid_file()
    resource, seconds = _final(client, data)
    assert resource["status"] == "created"
    return seconds


HOSTILE = {
    "not a workbook": (lambda: b"name,capacity\nDepot,10\n", "UNREADABLE_WORKBOOK"),
    "zip bomb (256 MiB of XML)": (lambda: bomb(256 << 20), "ZIP_BOMB"),
    "header cell at column ZZZZZZ": (
        lambda: changed(
            normal(),
            {
                SHEET: in_sheet(
                    b"</row>", b'<c r="ZZZZZZ1" t="inlineStr"><is><t>x</t></is></c></row>'
                )
            },
        ),
        "TOO_MANY_COLUMNS",
    ),
    "row at 200,000,000": (
        lambda: changed(normal(), {SHEET: with_rows(data_row(200_000_000, "Far"))}),
        "TOO_MANY_ROWS",
    ),
    "XXE in the sheet": (with_prolog(SHEET, XXE), "XML_NOT_ALLOWED"),
    "billion laughs in the shared strings": (
        lambda: with_shared(normal(), b"<si><t>&lol9;</t></si>", prolog=BILLION_LAUGHS.encode()),
        "XML_NOT_ALLOWED",
    ),
    "encrypted": (lambda: patched_flags(normal(), 0x1), "WORKBOOK_ENCRYPTED"),
}


@pytest.mark.parametrize("kind", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_file_ends_failed_with_its_code_as_fast_as_a_normal_file(
    client, stack, normal_seconds, kind
):
    # Given a hostile upload
    build, code = HOSTILE[kind]

    # When it is created
    resource, seconds = _final(client, build())

    # Then it ends failed, with its stable code (never an exception's class name), through
    # MarkFailed, in no more time than a normal file takes
    error = resource["additionalDetails"]["error"]
    assert (resource["status"], error["code"]) == ("failed", code)
    assert CODE.match(error["code"]) and error["message"]
    history = stack.history(stack.execution_arn("ResourceCreateStateMachine", resource["id"]))
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]
    assert entered == ["Validate", "MarkFailed", "ExecutionFailed"]
    assert seconds <= 1.5 * normal_seconds, (seconds, normal_seconds)


def test_a_row_with_control_characters_is_invalid_with_its_cell_and_the_file_stays_readable(
    client, stack
):
    # Given three facilities, the second's name holding a control character, in a sheet
    # with a <dimension> (as Excel writes it)
    data, rows = _valid_file()
    name = rows[1][NAME]
    upload = changed(data, {SHEET: in_sheet(name.encode(), b"Clinic\x01A")})
    assert b"<dimension" in __import__("zipfile").ZipFile(io.BytesIO(upload)).read(SHEET)

    # When it is created
    resource, _ = _final(client, upload)

    # Then the resource is invalid, that row's error says ILLEGAL_CHARACTER and the cell
    assert resource["status"] == "invalid"
    assert resource["additionalDetails"]["counts"]["invalid"] == 1
    (row_error,) = resource["additionalDetails"]["rowErrors"]
    assert row_error["row"] == 3
    assert row_error["errors"][0].startswith("ILLEGAL_CHARACTER: Facility Name (cell B3)")
    # and the processed file opens, the character replaced, every row with its status
    processed = processed_rows(client, resource, FACILITY)
    assert [row["#status#"] for row in processed] == ["VALID", "INVALID", "VALID"]
    assert processed[1][header(NAME)] == "Clinic\ufffdA"


def test_an_upload_larger_than_the_limit_is_refused_at_create(client):
    # Given an upload larger than this stack's limit
    file_store_id = client.upload(os.urandom(UPLOAD_LIMIT + 1))

    # When it is submitted
    answer = client.create(file_store_id, "facility")

    # Then it is a 400 FILE_TOO_LARGE, and no resource is stored
    assert answer.status_code == 400
    assert answer.json()["Errors"][0]["code"] == "FILE_TOO_LARGE"
    details = ResourceDetailsInput(
        type="facility",
        tenantId=client.tenant_id,
        fileStoreId=file_store_id,
        action="create",
        hierarchyType="ADMIN",
    )
    assert client.search(id=[resource_id_for(details)]).json()["ResourceDetails"] == []


def test_hostile_files_keep_the_validate_steps_heap_far_under_256_mib(client, stack):
    # Given the heap of every invocation traced
    stack.runtime.heap_peaks.clear()
    tracemalloc.start()
    try:
        # When a zip bomb, a huge shared string and an incompressible one are created
        for data in (
            bomb(256 << 20),
            with_shared(normal(), b"<si><t>" + b"A" * (64 << 20) + b"</t></si>"),
            with_shared(normal(), b"<si><t>" + random_text(5 << 20) + b"</t></si>"),
        ):
            resource, _ = _final(client, data)
            assert resource["status"] == "failed"
    finally:
        tracemalloc.stop()

    # Then the Validate step never held 256 MiB
    assert 0 < stack.runtime.heap_peaks["ValidateFunction"] < PEAK_BYTES


def test_the_stack_keeps_answering_and_creating_after_hostile_files(client, stack):
    # Given a hostile file under way
    file_store_id = client.upload(bomb(256 << 20))
    client.create(file_store_id, "facility")

    # When other requests come
    search = client.search()
    data, rows = _valid_file()
    resource, _ = _final(client, data)

    # Then they are answered, and a normal file is created
    assert search.status_code == 200
    assert resource["status"] == "created"
    assert resource["additionalDetails"]["counts"]["created"] == len(rows)


def test_a_template_is_made_for_a_tenant_whose_stored_names_carry_control_characters_or_formulas(
    client, stack
):
    # Given permanent facilities stored before uploads were checked: one with control
    # characters in its name, one named like a formula
    table = boto3.resource("dynamodb", region_name=stack.region).Table(
        stack.physical_id("RegistryTable")
    )
    registry = registry_target("facility", wired_settings(), table=table)
    stored = {"Clinic\x01\x08A": 1, '=HYPERLINK("http://attacker.example","Click")': 2}
    registry.create(
        client.tenant_id,
        [
            PendingRow(
                f"seed:{number}",
                number,
                {
                    "name": name,
                    "facilityType": "Warehouse",
                    "isPermanent": True,
                    "capacity": 10,
                    "boundaryCodes": ["NDOPO_E47341"],
                    "usage": "Active",
                },
            )
            for name, number in stored.items()
        ],
    )

    # When the tenant's facility template is generated
    answer = client.generate("facilityWithBoundary", filters=DISTRICT)
    assert answer.status_code == 200, answer.text
    (row,) = answer.json()["GeneratedResource"]
    generated = client.wait_until_generated("facilityWithBoundary", row["id"])

    # Then it is completed, the names pre-filled as text: cleaned, and no formula
    assert generated["status"] == "completed"
    book = load_workbook(io.BytesIO(client.download(generated["fileStoreId"])))
    sheet = book[header(FACILITY.data_sheet)]
    names = {cell.value: cell for row in sheet.iter_rows(min_row=2, max_row=3) for cell in row}
    assert "Clinic\ufffd\ufffdA" in names
    formula = names['=HYPERLINK("http://attacker.example","Click")']
    assert formula.data_type == "s"
