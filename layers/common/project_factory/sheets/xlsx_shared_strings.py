"""The shared strings of a workbook, streamed from their part: a table of texts that
cells refer to by index, and that may be as large as the limits allow.

The part is cut into whole `<si>` items chunk by chunk (`xml_elements.ElementCutter`), so
memory holds one chunk and the item being read, never the part.
"""

import re
from collections.abc import Iterator
from typing import BinaryIO

from project_factory.errors import WorkbookError
from project_factory.sheets.limits import WorkbookLimits, refused, size_text
from project_factory.sheets.xlsx_rows import CHUNK_SIZE
from project_factory.sheets.xlsx_text import shared_text
from project_factory.sheets.xlsx_xml_guard import PROLOG_BYTES
from project_factory.sheets.xml_elements import ElementCutter, element_pattern, start_tag_pattern

_SST_START = re.compile(rb"<((?:\w+:)?)sst\b(?:[^>/]|/(?!>))*+(/?)>")


def shared_string_texts(stream: BinaryIO, limits: WorkbookLimits) -> Iterator[str]:
    """The texts of the shared strings in `stream` (the part), in index order, streamed.

    Texts are as openpyxl reads them: runs joined, `x005F_` escapes dropped (and
    Excel's escapes of control characters resolved, see `xlsx_text.shared_text`).
    A text longer than a cell may be is refused (STRING_TOO_LONG), and so is an item
    whose XML is longer than a row's may be.
    """
    found, data = _sst_start(stream)
    if found.group(2):
        return
    prefix = found.group(1)
    tag = prefix + b"si"
    items = element_pattern(tag)
    most_chars, most_bytes = limits.max_cell_chars, limits.max_row_bytes
    # How many items were read: the index of the item being cut, should it be too large.
    count = 0
    cutter = ElementCutter(
        start=b"<" + tag,
        end=b"</" + tag + b">",
        stop=b"</" + prefix + b"sst>",
        opening=start_tag_pattern(tag),
        limit=most_bytes,
        too_large=lambda: _string_too_long(count, f"more than {size_text(most_bytes)} of XML"),
    )
    while True:
        for piece in cutter.feed(data):
            for _, _, body in items.findall(piece):
                text = shared_text(body)
                if len(text) > most_chars:
                    raise _string_too_long(count, f"{len(text):,} characters", most_chars)
                count += 1
                yield text
        if cutter.tail is not None:
            return
        data = stream.read(CHUNK_SIZE)
        if not data:
            raise ValueError("the shared strings end inside <sst>")


def _sst_start(stream: BinaryIO) -> tuple[re.Match[bytes], bytes]:
    """The `<sst>` start tag (its prefix, and `/` when it is empty) and the bytes read
    after it; ValueError (a damaged part) when it is not within the part's prolog."""
    buffer = b""
    while (found := _SST_START.search(buffer)) is None:
        data = stream.read(CHUNK_SIZE)
        if not data or len(buffer) > PROLOG_BYTES:
            raise ValueError("the shared strings have no <sst>")
        buffer += data
    return found, buffer[found.end() :]


def _string_too_long(index: int, size: str, limit: int | None = None) -> WorkbookError:
    most = f"; a cell holds at most {limit:,} characters" if limit else ""
    return refused("STRING_TOO_LONG", f"Shared string {index} of the workbook holds {size}{most}")
