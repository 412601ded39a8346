"""What the target tests share: a campaign with dates, its target template filled tab by tab
as an administrator fills it, and a processed target file read back tab by tab."""

import io
from collections.abc import Callable, Iterator
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from project_factory.adapters.boundary_source import BundledBoundarySource
from tests.support.api import ProjectFactoryClient
from tests.support.checks import header

BOUNDARY = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE"
TARGET = "HCM_ADMIN_CONSOLE_TARGET"
HOUSEHOLDS = "HCM_ADMIN_CONSOLE_TARGET_HOUSEHOLDS"
#: two districts of the bundled hierarchy, with their localities
DISTRICTS = ("SHADI_A11E8E", "NERAGE_866B43")
#: a campaign's dates, as the original's CampaignDetails carries them (ms)
START, END = 1_780_000_000_000, 1_790_000_000_000

#: boundary code -> {column code: value} to type in its row (None leaves the row as it is)
Fill = Callable[[str], dict[str, Any] | None]


def localities(district: str) -> list[str]:
    every = BundledBoundarySource().boundaries("mz", "ADMIN")
    return [b.code for b in every if b.parent == district]


def campaign_details(name: str = "Bednets 2026", **extra: Any) -> dict[str, Any]:
    """A campaign over DISTRICTS (everything below them), with the dates a project needs."""
    return {
        "name": name,
        "hierarchyType": "ADMIN",
        "boundaries": [
            {"code": code, "type": "District", "includeAllChildren": True} for code in DISTRICTS
        ],
        "additionalDetails": {"projectType": "LLIN-mz", "startDate": START, "endDate": END},
    } | extra


def target_template(client: ProjectFactoryClient, campaign_id: str) -> bytes:
    """A fresh target template of the campaign (one tab per district), generated and fetched."""
    answer = client.generate("boundary", campaign_id=campaign_id, force=True)
    assert answer.status_code == 200, answer.text
    [row] = answer.json()["GeneratedResource"]
    done = client.wait_until_generated("boundary", row["id"], campaignId=campaign_id)
    assert done["status"] == "completed", done["additionalDetails"]
    return client.download(done["fileStoreId"])


def run_targets(
    client: ProjectFactoryClient, data: bytes, campaign_id: str, action: str = "create"
) -> dict[str, Any]:
    """A target file uploaded, created (or validated) for the campaign, waited for."""
    accepted = client.create(
        client.upload(data), "boundaryWithTarget", action=action, campaignId=campaign_id
    )
    assert accepted.status_code == 200, accepted.text
    return client.wait_until_final(accepted.json()["ResourceDetails"]["id"], timeout=240)


def every_target(code: str) -> dict[str, Any]:
    """A target for every boundary, told apart by its code."""
    return {TARGET: 100 + sum(map(ord, code)) % 900, HOUSEHOLDS: 20 + len(code)}


def target_tabs(book: Any) -> Iterator[tuple[Worksheet, dict[str, int]]]:
    """The tabs of a target workbook that hold targets, with their header's columns."""
    for sheet in book.worksheets:
        columns = {cell.value: cell.column for cell in sheet[1] if cell.value}
        if header(BOUNDARY) in columns and header(TARGET) in columns:
            yield sheet, columns


def filled(template: bytes, fill: Fill) -> bytes:
    """The template with each tab's rows filled by `fill` (every tab, every row asked)."""
    book = load_workbook(io.BytesIO(template))
    asked = 0
    for sheet, columns in target_tabs(book):
        for row in range(2, sheet.max_row + 1):
            code = sheet.cell(row, columns[header(BOUNDARY)]).value
            if not code:
                continue
            asked += 1
            for column, value in (fill(code) or {}).items():
                sheet.cell(row, columns[header(column)], value=value)
    assert asked, "the template has no target rows"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_row_added(data: bytes, values: dict[str, Any]) -> bytes:
    """The workbook with a row of `values` (column code -> value) added to its first tab."""
    book = load_workbook(io.BytesIO(data))
    sheet, columns = next(target_tabs(book))
    row = sheet.max_row + 1
    for column, value in values.items():
        sheet.cell(row, columns[header(column)], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def tab_rows(data: bytes) -> dict[str, dict[str, Any]]:
    """A processed target file's rows across its tabs: boundary code -> header -> value (and
    `tab`: the tab's title); a code met twice fails."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    rows: dict[str, dict[str, Any]] = {}
    for sheet in book.worksheets:
        values = list(sheet.iter_rows(values_only=True))
        if not values or header(BOUNDARY) not in values[0] or header(TARGET) not in values[0]:
            continue
        heads = values[0]
        for line in values[1:]:
            row = {head: value for head, value in zip(heads, line, strict=False) if head}
            code = row.get(header(BOUNDARY))
            if code:
                assert code not in rows, f"{code} is on two tabs"
                rows[code] = row | {"tab": sheet.title}
    return rows
