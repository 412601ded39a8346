"""How many rows an upload's data sheet says it has, before it is read.

A guess to plan chunk sizes by, never trusted for more: only the sheet's head is read,
and whatever the file really holds is the reader's to report.
"""

import re
from typing import BinaryIO

from project_factory.sheets.layout import find_sheet
from project_factory.sheets.limits import DEFAULT_LIMITS, WorkbookLimits
from project_factory.sheets.messages import Messages
from project_factory.sheets.spec import SheetSpec
from project_factory.sheets.xlsx_package import XlsxPackage
from project_factory.sheets.xlsx_rows import SheetXml

#: `<dimension ref="A1:K1001"/>`: the last row of its range
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


def estimated_rows(
    source: BinaryIO | bytes,
    spec: SheetSpec,
    messages: Messages,
    limits: WorkbookLimits = DEFAULT_LIMITS,
) -> int | None:
    """The data sheet's last row as its `<dimension>` says, or None (no dimension, a file
    read across tabs, a sheet not found): a guess to plan chunk sizes by, never trusted for
    more. Only the sheet's head is read; what the file holds is the real read's to report."""
    if spec.across_tabs:
        return None
    try:
        with XlsxPackage(source, limits) as package:
            title = find_sheet(package.sheet_names, spec.data_sheet, messages)
            with package.open(package.sheet_part(title)) as stream:
                head = SheetXml(stream, limits).head
    except Exception:
        return None
    found = _DIMENSION.search(head)
    return int(found[1]) if found and found[1] else None
