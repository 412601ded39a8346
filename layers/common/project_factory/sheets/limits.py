"""Limits on uploaded workbooks: what a hostile file is refused by, and with which code.

An .xlsx upload is a zip of XML parts, so a few kilobytes can unpack to gigabytes, and a
well-formed file can still name a column or a row no spreadsheet has. Every upload is
checked against these before anything is parsed (the zip's central directory), and the
bytes are counted again while the parts are streamed, so a directory that lies stops at
the limit too. A file past a limit is refused as a whole (WorkbookError, the resource
ends `failed`); a control character in a cell makes only its row INVALID.

Codes (the resource's `additionalDetails.error.code`):
- FILE_TOO_LARGE: the upload (compressed) is larger than `max_bytes`;
- UNREADABLE_WORKBOOK: not an .xlsx zip (truncated, another format, a damaged part);
- WORKBOOK_ENCRYPTED: password-protected (a zip entry's encryption flag, or an OLE2
  file holding an encrypted package);
- TOO_MANY_PARTS: more than `max_parts` zip entries;
- ZIP_BOMB: a part of 1 MiB or more unpacks to more than `max_compression_ratio`
  times its compressed size;
- WORKBOOK_TOO_LARGE: the parts unpack to more than `max_uncompressed_bytes` in all,
  the shared strings to more than `max_shared_strings_bytes`, another parsed part to
  more than `max_xml_part_bytes`;
- XML_NOT_ALLOWED: a DOCTYPE or entity declaration in any XML part (XXE, billion laughs);
- TOO_MANY_ROWS: a row past Excel's 1,048,576, or a non-empty row past `max_rows`;
- TOO_MANY_COLUMNS: a cell past column XFD (16,384), or a processed file needing one;
- ROW_TOO_LARGE: one row's XML is larger than `max_row_bytes`;
- CELL_TOO_LONG: a cell's text is longer than `max_cell_chars`;
- STRING_TOO_LONG: a shared string is longer than `max_cell_chars` characters (or its
  XML than `max_row_bytes`);
- ILLEGAL_CHARACTER (a row's error, the row INVALID): a cell of a known column holds a
  character XML cannot carry (a control character).
"""

from dataclasses import dataclass, fields
from typing import Any

from project_factory.errors import WorkbookError

#: Excel's own limits: no spreadsheet program opens a sheet beyond them.
EXCEL_MAX_ROWS = 1_048_576
#: Column XFD.
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_CHARS = 32_767
#: Parts smaller than this are not checked for their compression ratio: a small part
#: may compress very well and still be harmless (the total limit bounds them all).
RATIO_CHECKED_FROM_BYTES = 1 << 20
_MIB = 1 << 20


@dataclass(frozen=True)
class WorkbookLimits:
    """The limits one workbook is read under; the defaults are Settings' defaults."""

    #: the upload itself, compressed (FILE_TOO_LARGE)
    max_bytes: int = 64 * _MIB
    #: every part unpacked, in all (WORKBOOK_TOO_LARGE)
    max_uncompressed_bytes: int = 256 * _MIB
    #: unpacked / compressed size of one part of 1 MiB or more (ZIP_BOMB)
    max_compression_ratio: float = 100.0
    #: zip entries (TOO_MANY_PARTS)
    max_parts: int = 500
    #: the last row that may hold a value (TOO_MANY_ROWS); never above Excel's
    max_rows: int = 200_000
    #: characters of one cell or one shared string (CELL_TOO_LONG, STRING_TOO_LONG)
    max_cell_chars: int = EXCEL_MAX_CELL_CHARS
    #: bytes of one row's XML, or of one shared string's (ROW_TOO_LARGE, STRING_TOO_LONG)
    max_row_bytes: int = 4 * _MIB
    #: the shared-strings part, unpacked: it is held in memory as text (WORKBOOK_TOO_LARGE)
    max_shared_strings_bytes: int = 32 * _MIB
    #: any other XML part that is parsed (workbook, relationships, styles)
    max_xml_part_bytes: int = 16 * _MIB

    @classmethod
    def of(cls, settings: Any) -> "WorkbookLimits":
        """The limits configured in Settings (`upload_max_bytes`, `upload_max_rows`, ...)."""
        values = {
            field.name: getattr(settings, f"upload_{field.name}")
            for field in fields(cls)
            if hasattr(settings, f"upload_{field.name}")
        }
        return cls(**values)

    @property
    def last_row(self) -> int:
        return min(self.max_rows, EXCEL_MAX_ROWS)


DEFAULT_LIMITS = WorkbookLimits()


def refused(code: str, message: str, **params: Any) -> WorkbookError:
    """The error a workbook past a limit is refused with."""
    return WorkbookError(message, code=code, **params)


def size_text(size: float) -> str:
    """Bytes as people read them: `64 MiB`, `1.5 KiB`, `300 bytes`."""
    unit = "bytes"
    for larger in ("KiB", "MiB", "GiB"):
        if size < 1024:
            break
        size, unit = size / 1024, larger
    return f"{size:.0f} {unit}" if unit == "bytes" or size >= 10 else f"{size:.1f} {unit}"
