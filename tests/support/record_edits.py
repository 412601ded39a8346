"""What the record-change workflow tests share: facility rows in one locality, a file run
to its end, and a processed file edited as a user edits it before uploading it again."""

import io
from typing import Any

from openpyxl import load_workbook

from project_factory.adapters.boundary_source import BundledBoundarySource
from project_factory.sheets.spec import SheetSpec
from tests.support.api import ProjectFactoryClient
from tests.support.checks import header

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
CAPACITY = "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY"
FACILITY_USAGE = "HCM_ADMIN_CONSOLE_FACILITY_USAGE"
FACILITY_ID = "HCM_ADMIN_CONSOLE_FACILITY_CODE"
USER_NAME = "HCM_ADMIN_CONSOLE_USER_NAME"
BOUNDARY = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE"


def locality(index: int) -> str:
    """The bundled hierarchy's `index`th locality."""
    every = BundledBoundarySource().boundaries("mz", "ADMIN")
    return [b.code for b in every if b.type == "Locality"][index]


def facilities(count: int) -> list[dict[str, Any]]:
    """`count` active warehouses, Store 0 .. Store n-1, in the first locality."""
    return [
        {
            NAME: f"Store {n}",
            "HCM_ADMIN_CONSOLE_FACILITY_TYPE": "Warehouse",
            "HCM_ADMIN_CONSOLE_FACILITY_STATUS": "Permanent",
            CAPACITY: 100 + n,
            BOUNDARY: locality(0),
            FACILITY_USAGE: "Active",
        }
        for n in range(count)
    ]


def run_file(
    client: ProjectFactoryClient, data: bytes, resource_type: str, *, timeout: float = 120
) -> dict[str, Any]:
    """Uploads `data`, creates from it and waits for the final row."""
    accepted = client.create(client.upload(data), resource_type)
    assert accepted.status_code == 200, accepted.text
    return client.wait_until_final(accepted.json()["ResourceDetails"]["id"], timeout=timeout)


def edited(
    client: ProjectFactoryClient,
    resource: dict[str, Any],
    spec: SheetSpec,
    key: str,
    edits: dict[Any, dict[str, Any]],
) -> bytes:
    """The processed file, as a user re-uploads it, with `edits` {key value: {code: value}}
    (every edit must land: a missing row fails the test)."""
    book = load_workbook(io.BytesIO(client.download(resource["processedFileStoreId"])))
    sheet = book[header(spec.data_sheet)]
    columns = {cell.value: cell.column for cell in sheet[1]}
    changed = 0
    for row in range(2, sheet.max_row + 1):
        changes = edits.get(sheet.cell(row, columns[header(key)]).value)
        for code, value in (changes or {}).items():
            sheet.cell(row, columns[header(code)], value=value)
            changed += 1
    assert changed == sum(len(changes) for changes in edits.values())
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
