"""The workbook a template is written to, and what all its sheets share.

Every sheet of a template is protected with the same password, has a title Excel
accepts (unique, 31 characters at most, none of `[]:*?/\\`), and its texts come from
the same messages in the same locale. `TemplateBook` holds these so the modules that
write one sheet each (sheets.template_readme, template_data_sheet,
template_boundary_sheet, template_target_tabs) cannot get them wrong.
"""

import io
import re
from collections.abc import Sequence
from typing import Any, Literal, Protocol, cast

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidationList
from openpyxl.worksheet.dimensions import ColumnDimension, DimensionHolder
from openpyxl.worksheet.protection import SheetProtection

from project_factory.sheets.dropdowns import LISTS_SHEET, Lists
from project_factory.sheets.messages import Messages
from project_factory.sheets.metadata import METADATA_SHEET
from project_factory.sheets.template_boundaries import level_column
from project_factory.sheets.written import text_cell

#: The style of the cells to fill; every other cell keeps Excel's default, locked.
UNLOCKED = Protection(locked=False)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
#: Excel's limit on a sheet title.
_TITLE_LIMIT = 31
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MIN_WIDTH = 14


class SheetSetup(Protocol):
    """The settings of a write-only sheet that precede its rows (see `sheet_setup`)."""

    column_dimensions: DimensionHolder[str, ColumnDimension]
    data_validations: DataValidationList
    protection: SheetProtection
    sheet_state: Literal["visible", "hidden", "veryHidden"]


def sheet_setup(sheet: WriteOnlyWorksheet) -> SheetSetup:
    """`sheet`'s column settings, dropdowns, protection and visibility.

    A write-only sheet carries them as a normal one does: its __init__ runs
    Worksheet._setup, which sets them, and its writer writes them with the sheet's head.
    types-openpyxl's WriteOnlyWorksheet declares none of them, hence this one cast.
    """
    return cast(SheetSetup, sheet)


class TemplateBook:
    """A write-only workbook whose sheets are protected and uniquely titled."""

    def __init__(self, messages: Messages, locale: str, password: str) -> None:
        self.workbook = Workbook(write_only=True)
        self.messages = messages
        self.locale = locale
        self.password = password
        self.lists = Lists()
        # Sheets added by name elsewhere (sheets.dropdowns, sheets.metadata) keep theirs.
        self._titles = {LISTS_SHEET.casefold(), METADATA_SHEET.casefold()}
        # Renaming, moving or deleting sheets would break the upload; nothing else needs it.
        self.workbook.security = WorkbookProtection(workbookPassword=password, lockStructure=True)

    def text(self, code: str, **params: Any) -> str:
        """The message `code` in the template's locale."""
        return self.messages.format(code, self.locale, **params)

    def level_text(self, hierarchy_type: str, level: str) -> str:
        """The header of a hierarchy level's column."""
        code = level_column(hierarchy_type, level)
        text = self.text(code)
        # A hierarchy without localised level names shows the level as the service names it.
        return level if text == code else text

    def sheet(self, title: str, widths: Sequence[float] = ()) -> WriteOnlyWorksheet:
        """A new protected sheet with a unique valid title; widths before any row."""
        # create_sheet is typed Any: a write-only workbook's sheets are write-only.
        sheet: WriteOnlyWorksheet = self.workbook.create_sheet(self._unique(title))
        for index, width in enumerate(widths, start=1):
            sheet_setup(sheet).column_dimensions[get_column_letter(index)].width = width
        self._protect(sheet)
        return sheet

    def header(self, sheet: WriteOnlyWorksheet, texts: Sequence[str]) -> None:
        """The header row: frozen (set before the row streams), bold, locked."""
        sheet.freeze_panes = "A2"
        sheet.append(
            [text_cell(sheet, text, font=_HEADER_FONT, fill=_HEADER_FILL) for text in texts]
        )

    def save(self) -> bytes:
        """The workbook as .xlsx bytes, every sheet protected."""
        # The lists and metadata sheets too: LibreOffice only hides very hidden sheets.
        for sheet in self.workbook.worksheets:
            if not sheet.protection.sheet:
                self._protect(sheet)
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()

    def _protect(self, sheet: WriteOnlyWorksheet) -> None:
        protection = sheet_setup(sheet).protection
        protection.password = self.password
        protection.enable()
        # People may still widen columns and rows to read them.
        protection.formatColumns = False
        protection.formatRows = False

    def _unique(self, title: str) -> str:
        base = _TITLE_FORBIDDEN.sub(" ", title).strip().strip("'")[:_TITLE_LIMIT] or "Sheet"
        candidate, number = base, 1
        while candidate.casefold() in self._titles:
            number += 1
            suffix = f" ({number})"
            candidate = base[: _TITLE_LIMIT - len(suffix)] + suffix
        self._titles.add(candidate.casefold())
        return candidate


def column_width(header: str) -> float:
    """A column wide enough to read its header."""
    return max(_MIN_WIDTH, len(header) + 2)
