"""A workbook the service wrote, loaded whole by openpyxl for a test to look into.

The service itself never loads an upload with openpyxl (a 100k-row sheet as cells does
not fit in a Lambda's memory): its reader streams. Tests open what it wrote whole, the
package checked against the upload limits first, as a client's spreadsheet program would
meet it.
"""

import io
from typing import BinaryIO

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from project_factory.sheets.limits import DEFAULT_LIMITS, WorkbookLimits
from project_factory.sheets.xlsx_package import XlsxPackage
from project_factory.sheets.xlsx_zip_checks import unreadable


def open_workbook(
    source: BinaryIO | bytes, *, read_only: bool, limits: WorkbookLimits = DEFAULT_LIMITS
) -> Workbook:
    """The file as an openpyxl workbook; InvalidRequestError when it is not an .xlsx file.

    The package is checked against `limits` first.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    XlsxPackage(stream, limits).close()
    stream.seek(0)
    try:
        if read_only:
            return load_workbook(stream, read_only=True, data_only=True)
        return load_workbook(stream, rich_text=True)
    except Exception as error:
        raise unreadable(error) from error
