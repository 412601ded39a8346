"""Hidden metadata of a generated workbook: what it was made for (type, locale, campaign).

Kept in a very hidden sheet of key/value rows, which Excel users cannot unhide from the
interface, so it survives a round trip through the administrator's hands. Uploads
without it are fine: nothing depends on it being there. An upload that carries it is
checked against what it is uploaded as (`check_upload_metadata`).
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, BinaryIO

from project_factory.errors import InvalidRequestError
from project_factory.sheets.cells import cell_text
from project_factory.sheets.layout import is_blank
from project_factory.sheets.reader import open_workbook

if TYPE_CHECKING:
    # Only for the annotation: openpyxl is imported when a workbook is opened, not before.
    from openpyxl.workbook.workbook import Workbook

METADATA_SHEET = "_metadata"

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
    for key, value in metadata.items():
        sheet.append([key, value])


def read_metadata(source: BinaryIO | bytes) -> dict[str, str]:
    """The key/value pairs of the metadata sheet; empty when the workbook has none."""
    workbook = open_workbook(source, read_only=True)
    try:
        if METADATA_SHEET not in workbook.sheetnames:
            return {}
        return {
            cell_text(row[0]): cell_text(row[1]) if len(row) > 1 and row[1] is not None else ""
            for row in workbook[METADATA_SHEET].iter_rows(max_col=2, values_only=True)
            if row and not is_blank(row[0])
        }
    finally:
        workbook.close()


def check_upload_metadata(
    source: BinaryIO | bytes, *, resource_type: str, campaign_id: str | None
) -> None:
    """Refuse a workbook generated for another type or another campaign.

    A template's campaign is checked only when both it and the upload name one: a template
    made for no campaign serves any, and an upload for no campaign takes any template.
    """
    metadata = read_metadata(source)
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
