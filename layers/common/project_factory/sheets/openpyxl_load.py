"""An .xlsx file loaded whole by openpyxl, checked against the upload limits first.

Kept apart from the streaming reader: it is for whole-workbook work on files we made
(templates), and it is the one place an upload would meet openpyxl, which the reader
avoids (a 100k-row sheet as cells does not fit in a Lambda's memory).
"""

import io
from typing import TYPE_CHECKING, BinaryIO

from project_factory.sheets.limits import DEFAULT_LIMITS, WorkbookLimits
from project_factory.sheets.xlsx_package import XlsxPackage
from project_factory.sheets.xlsx_zip_checks import unreadable

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook


def open_workbook(
    source: BinaryIO | bytes, *, read_only: bool, limits: WorkbookLimits = DEFAULT_LIMITS
) -> "Workbook":
    """An upload as an openpyxl workbook; InvalidRequestError when it is not an .xlsx file.

    For whole-workbook work on files we made (templates); uploads are read by
    `reader.iter_sheet_rows`. The package is checked against `limits` first. openpyxl is
    imported here, not at module level: it costs ~200 ms of cold start.
    """
    from openpyxl import load_workbook

    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    XlsxPackage(stream, limits).close()
    stream.seek(0)
    try:
        if read_only:
            return load_workbook(stream, read_only=True, data_only=True)
        return load_workbook(stream, rich_text=True)
    except Exception as error:
        raise unreadable(error) from error
