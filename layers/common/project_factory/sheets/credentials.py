"""The credentials workbook: one line per user a resource created, with its password.

Handed to the tenant's administrators once, apart from the processed file (which carries
usernames and no password). Besides the username and password, each line names the
person (name, phone, boundary codes) and the row of the upload it came from, so that the
administrator can tell who gets which. Written with openpyxl in write-only mode (rows
stream to a temporary file, never a table in memory), and by the rules of every file we
write (sheets/written.py): texts are string cells, and a text that looks like a formula
(a password may begin with `@`) keeps its value and gets Excel's quote prefix.
"""

import io
from collections.abc import Sequence
from typing import Any

from project_factory.sheets.messages import Messages
from project_factory.sheets.spec import BOUNDARY_CODE_COLUMN

SHEET = "PF_CREDENTIALS_SHEET"
#: The columns, as localisation codes, in order.
COLUMNS = (
    "HCM_ADMIN_CONSOLE_USER_USERNAME",
    "HCM_ADMIN_CONSOLE_USER_PASSWORD",
    "HCM_ADMIN_CONSOLE_USER_NAME",
    "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER",
    BOUNDARY_CODE_COLUMN,
    "PF_CREDENTIALS_ROW",
)


class CredentialsWorkbook:
    """Lines added one by one; the workbook's bytes at the end (None when no line came)."""

    def __init__(self, messages: Messages, locale: str | None) -> None:
        self._messages, self._locale = messages, locale
        self._book: Any = None
        self._sheet: Any = None
        self.lines = 0

    def add(
        self,
        *,
        username: str,
        password: str,
        name: str,
        phone: str,
        boundary_codes: Sequence[str],
        row_number: int,
    ) -> None:
        from project_factory.sheets.written import safe_row

        if self._sheet is None:
            self._start()
        values = [username, password, name, phone, ",".join(boundary_codes), row_number]
        self._sheet.append(safe_row(self._sheet, values))
        self.lines += 1

    def to_bytes(self) -> bytes | None:
        if self._book is None:
            return None
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()

    def _start(self) -> None:
        # Imported when the first line comes: a Finalize without new users never loads it.
        from openpyxl import Workbook
        from openpyxl.styles import Font

        from project_factory.sheets.written import text_cell

        self._book = Workbook(write_only=True)
        text = self._messages.text
        self._sheet = self._book.create_sheet(text(SHEET, self._locale))
        self._sheet.freeze_panes = "A2"
        for letter, width in zip("ABCDEF", (20, 18, 30, 16, 30, 10), strict=True):
            self._sheet.column_dimensions[letter].width = width
        bold = Font(bold=True)
        self._sheet.append(
            [text_cell(self._sheet, text(code, self._locale), font=bold) for code in COLUMNS]
        )
