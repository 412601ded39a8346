"""Copying a part's XML in chunks, cleaned of the characters XML cannot carry.

The processed file copies the upload's XML parts (and a data sheet's tail) this way, so
that it is one Excel opens even where the upload was not (see `xlsx_text.clean_xml`).
Memory stays at a chunk whatever the part's size.
"""

from collections.abc import Iterable
from typing import IO, BinaryIO

from project_factory.sheets.xlsx_rows import CHUNK_SIZE
from project_factory.sheets.xlsx_text import clean_xml

#: The longest character reference (`&#x10FFFF;`, `&#1114111;`): kept whole across chunks.
_REFERENCE_BYTES = 12
#: The control bytes XML cannot carry (all below a space but tab, newline and return).
_CONTROL_BYTES = bytes(byte for byte in range(0x20) if byte not in b"\t\n\r")


def cleaned(raw: bytes) -> bytes:
    """`clean_xml(raw)`, its first look (no control byte, no reference) made without a
    regex: nearly all XML has neither, and deleting bytes in C is several times faster."""
    if raw.find(b"&#") < 0 and len(raw.translate(None, _CONTROL_BYTES)) == len(raw):
        return raw
    return clean_xml(raw)


def copy_clean(source: "BinaryIO | Chunks", sink: IO[bytes]) -> None:
    """Copies XML, replacing what XML cannot carry (a reference is never cut in two)."""
    carry = b""
    while data := source.read(CHUNK_SIZE):
        data = carry + data
        amp = data.rfind(b"&", len(data) - _REFERENCE_BYTES)
        if amp >= 0 and data.find(b";", amp) < 0:
            data, carry = data[:amp], data[amp:]
        else:
            carry = b""
        sink.write(cleaned(data))
    sink.write(cleaned(carry))


class Chunks:
    """Chunks of bytes read as a stream."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)

    def read(self, _: int) -> bytes:
        for chunk in self._chunks:
            if chunk:
                return chunk
        return b""
