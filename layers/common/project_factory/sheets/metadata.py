"""Hidden metadata of a generated workbook: what it was made for (type, locale, campaign).

Kept in a very hidden sheet of key/value rows, which Excel users cannot unhide from the
interface, so it survives a round trip through the administrator's hands. Uploads
without it are fine: nothing depends on it being there. An upload that carries it is
checked against what it is uploaded as (`check_upload_metadata`).

An upload's metadata is read by the streaming scanner under the upload limits, its
first rows only: a hidden sheet with a row numbered 200,000,000 costs nothing (openpyxl,
which used to read it, walked every empty row before it).
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, BinaryIO

from project_factory.errors import InvalidRequestError
from project_factory.sheets.cells import cell_text
from project_factory.sheets.layout import is_blank
from project_factory.sheets.limits import DEFAULT_LIMITS, WorkbookLimits
from project_factory.sheets.xlsx_package import XlsxPackage
from project_factory.sheets.xlsx_rows import RawCell, SheetXml
from project_factory.sheets.xlsx_values import CellValues
from project_factory.sheets.xlsx_zip_checks import DAMAGED, unreadable

if TYPE_CHECKING:
    # Only for the annotation: openpyxl is imported when a workbook is opened, not before.
    from openpyxl.workbook.workbook import Workbook

METADATA_SHEET = "_metadata"
#: The metadata sheet holds a handful of rows; rows below this one are not read.
METADATA_ROWS = 100

#: A template type and the upload type that reads it are one family.
_FAMILIES = {
    "facilityWithBoundary": "facility",
    "userWithBoundary": "user",
    "boundaryWithTarget": "boundary",
}


def add_metadata(workbook: "Workbook", metadata: Mapping[str, str]) -> None:
    """Write `metadata` into the workbook's (new or replaced) metadata sheet."""
    if METADATA_SHEET in workbook.sheetnames:
        del workbook[METADATA_SHEET]
    sheet = workbook.create_sheet(METADATA_SHEET)
    sheet.sheet_state = "veryHidden"
    # Imported here: openpyxl stays off the create path, which only reads metadata.
    from project_factory.sheets.written import safe_row

    for key, value in metadata.items():
        sheet.append(safe_row(sheet, [key, value]))


def read_metadata(
    source: BinaryIO | bytes, limits: WorkbookLimits = DEFAULT_LIMITS
) -> dict[str, str]:
    """The key/value pairs of the metadata sheet; empty when the workbook has none."""
    with XlsxPackage(source, limits) as package:
        if METADATA_SHEET not in package.sheet_names:
            return {}
        try:
            return _read_pairs(package)
        except DAMAGED as error:
            raise unreadable(error) from error


def _read_pairs(package: XlsxPackage) -> dict[str, str]:
    rows: list[tuple[int, list[RawCell]]] = []
    with package.open(package.sheet_part(METADATA_SHEET)) as stream:
        sheet = SheetXml(stream, package.limits)
        for row in sheet.rows():
            if row.number > METADATA_ROWS:
                break
            rows.append((row.number, [cell for cell in sheet.cells(row) if cell.column <= 2]))
    shared = _Selected(_shared_strings_used(package, sheet.prefix, rows))
    values = CellValues(shared, package.date_styles(), sheet.prefix, package.limits)
    pairs: dict[str, str] = {}
    for number, cells in rows:
        by_column = {cell.column: values.value(cell, number) for cell in cells}
        key, value = by_column.get(1), by_column.get(2)
        if not is_blank(key):
            pairs[cell_text(key)] = cell_text(value) if value is not None else ""
    return pairs


def _shared_strings_used(
    package: XlsxPackage, prefix: bytes, rows: list[tuple[int, list[RawCell]]]
) -> dict[int, str]:
    """The shared strings these cells name, by index: only those are kept, not a table
    that may hold a million strings of the data sheet."""
    raw = CellValues([], package.date_styles(), prefix, package.limits)
    wanted = {
        int(index)
        for _, cells in rows
        for cell in cells
        if cell.kind == b"s" and (index := raw.raw_value(cell)).strip().isdigit()
    }
    if not wanted:
        return {}
    return {index: text for index, text in enumerate(package.shared_strings()) if index in wanted}


class _Selected:
    """The few shared strings read, by index."""

    def __init__(self, texts: dict[int, str]) -> None:
        self._texts = texts

    def __getitem__(self, index: int) -> Any:
        try:
            return self._texts[index]
        except KeyError:
            raise IndexError(index) from None


def check_upload_metadata(
    source: BinaryIO | bytes,
    *,
    resource_type: str,
    campaign_id: str | None,
    limits: WorkbookLimits = DEFAULT_LIMITS,
) -> None:
    """Refuse a workbook generated for another type or another campaign.

    A template's campaign is checked only when both it and the upload name one: a template
    made for no campaign serves any, and an upload for no campaign takes any template.
    """
    metadata = read_metadata(source, limits)
    made_for = metadata.get("type")
    if made_for and _family(made_for) != _family(resource_type):
        raise InvalidRequestError(
            f"This workbook is a {made_for} template; it cannot be uploaded as {resource_type}. "
            f"Download the {resource_type} template and fill that one",
            code="TEMPLATE_MISMATCH",
            templateType=made_for,
            resourceType=resource_type,
        )
    template_campaign = metadata.get("campaignId")
    if template_campaign and campaign_id and template_campaign != campaign_id:
        raise InvalidRequestError(
            f"This workbook was generated for campaign {template_campaign}, not {campaign_id}. "
            "Download the template of this campaign and fill that one",
            code="TEMPLATE_MISMATCH",
            templateCampaignId=template_campaign,
            campaignId=campaign_id,
        )


def _family(resource_type: str) -> str:
    return _FAMILIES.get(resource_type, resource_type)
