"""Hidden metadata of a generated workbook: what it was made for (type, locale, campaign).

Kept in a very hidden sheet of key/value rows, which Excel users cannot unhide from the
interface, so it survives a round trip through the administrator's hands. Uploads
without it are fine: nothing depends on it being there.
"""

from collections.abc import Mapping
from typing import BinaryIO

from openpyxl.workbook.workbook import Workbook

from project_factory.sheets.cells import cell_text
from project_factory.sheets.layout import is_blank
from project_factory.sheets.reader import open_workbook

METADATA_SHEET = "_metadata"


def add_metadata(workbook: Workbook, metadata: Mapping[str, str]) -> None:
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
