"""An upload checked as the zip an .xlsx file is, before and while its parts are read.

A few kilobytes of zip can unpack to gigabytes, and `zipfile` builds an object per entry
of the central directory before anyone can count them. So the upload is checked against
its limits (see `limits`) in three steps: its size and what it is (a zip, not an OLE2
file, a CSV or an OpenDocument file renamed) and the number of entries and size of the
central directory, read from the end record before `zipfile` opens it; then every entry
of the directory (encryption, compression methods, unpacked size, compression ratio and
the total); then, since the directory is not trusted alone, every part is counted again
while it is read, and reading stops past its declared size or ratio.
"""

import io
import struct
import zipfile
import zlib
from collections.abc import Sequence
from typing import IO, BinaryIO

from project_factory.errors import WorkbookError
from project_factory.sheets.limits import (
    RATIO_CHECKED_FROM_BYTES,
    WorkbookLimits,
    refused,
    size_text,
)

#: Compound File (OLE2): Excel 97-2003 workbooks, and password-protected .xlsx files.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_END_RECORD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END_RECORD = b"PK\x06\x06"
#: A central directory entry is 46 bytes and a name; more than this per part is no workbook.
_DIRECTORY_BYTES_PER_PART = 4096
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
#: What a damaged zip or part raises while it is read.
DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    IndexError,
    OverflowError,
    RuntimeError,
    struct.error,
    SyntaxError,
)


def unreadable(error: Exception | None = None, detail: str = "") -> WorkbookError:
    message = "The file is not a readable Excel workbook (.xlsx)"
    failure = WorkbookError(f"{message}: {detail}" if detail else message)
    failure.__cause__ = error
    return failure


def check_container(stream: BinaryIO, limits: WorkbookLimits) -> None:
    """The upload's size and kind, and its zip directory's size, read from its end."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > limits.max_bytes:
        raise refused(
            "FILE_TOO_LARGE",
            f"The file is {size_text(size)}; uploads are at most {size_text(limits.max_bytes)}",
        )
    start = stream.read(8)
    stream.seek(0)
    if start.startswith(_OLE2):
        if _ENCRYPTED_PACKAGE in stream.read():
            raise _encrypted()
        raise unreadable(
            detail="it is an Excel 97-2003 workbook (.xls) or another Office binary file; "
            "save it as .xlsx"
        )
    if not start.startswith(b"PK"):
        raise unreadable(detail=_text_hint(start))
    entries, directory = _declared_directory(stream, size)
    if entries > limits.max_parts or directory > limits.max_parts * _DIRECTORY_BYTES_PER_PART:
        raise _too_many_parts(entries, limits)


def _declared_directory(stream: BinaryIO, size: int) -> tuple[int, int]:
    """(entries, central directory bytes) as the zip's end record (or zip64's) says;
    (0, 0) when there is none (zipfile then refuses the file)."""
    tail_size = min(size, 22 + 0xFFFF)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    stream.seek(0)
    at = tail.rfind(_END_RECORD)
    if at < 0 or at + 22 > len(tail):
        return 0, 0
    entries, directory = struct.unpack("<HL", tail[at + 10 : at + 16])
    if (entries == 0xFFFF or directory == 0xFFFFFFFF) and at >= 20:
        locator = tail[at - 20 : at]
        if locator.startswith(_ZIP64_LOCATOR):
            (offset,) = struct.unpack("<Q", locator[8:16])
            if offset + 56 <= size:
                stream.seek(offset)
                record = stream.read(56)
                stream.seek(0)
                if record.startswith(_ZIP64_END_RECORD):
                    entries, directory = struct.unpack("<QQ", record[32:48])
    return entries, directory


def check_entries(infos: Sequence[zipfile.ZipInfo], limits: WorkbookLimits) -> None:
    """Every entry of the directory against the limits, and what they unpack to in all."""
    if len(infos) > limits.max_parts:
        raise _too_many_parts(len(infos), limits)
    total = 0
    for info in infos:
        _check_entry(info, limits)
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise refused(
                "WORKBOOK_TOO_LARGE",
                f"The workbook unpacks to more than {size_text(limits.max_uncompressed_bytes)}",
            )


def _check_entry(info: zipfile.ZipInfo, limits: WorkbookLimits) -> None:
    """One directory entry against the limits: not encrypted, a method Excel writes, and
    no more than the allowed compression ratio."""
    if info.flag_bits & 0x1:
        raise _encrypted()
    if info.compress_type not in _METHODS:
        raise unreadable(detail=f"its part {info.filename!r} uses a compression Excel never writes")
    size = info.file_size
    if size >= RATIO_CHECKED_FROM_BYTES and size > limits.max_compression_ratio * max(
        info.compress_size, 1
    ):
        raise _zip_bomb(info, limits)


class CountedPart:
    """A part being read, its bytes counted: never more than its directory entry says,
    nor more than the ratio allows, whatever the compressed data holds."""

    def __init__(self, raw: IO[bytes], info: zipfile.ZipInfo, limits: WorkbookLimits) -> None:
        self._raw, self._info, self._limits = raw, info, limits
        self._count = 0
        self._most = min(info.file_size, limits.max_uncompressed_bytes)
        self._ratio_most = limits.max_compression_ratio * max(info.compress_size, 1)

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._count += len(data)
        if self._count > self._most:
            raise unreadable(
                detail=f"its part {self._info.filename!r} unpacks to more than its zip "
                "directory says"
            )
        if self._count >= RATIO_CHECKED_FROM_BYTES and self._count > self._ratio_most:
            raise _zip_bomb(self._info, self._limits)
        return data

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> "CountedPart":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def other_format(archive: zipfile.ZipFile) -> str:
    """What a zip that is no workbook is, when it says (an OpenDocument file does)."""
    try:
        if "mimetype" in archive.NameToInfo and archive.getinfo("mimetype").file_size < 200:
            kind = archive.read("mimetype").decode("ascii", errors="replace")
            return f"it is a {kind} file; save it as .xlsx"
    except DAMAGED:
        pass
    return ""


def _text_hint(start: bytes) -> str:
    if start.lstrip().startswith(b"<"):
        return "it is an XML or HTML file, not a workbook; save it as .xlsx"
    if not start.strip() or all(32 <= byte < 127 or byte in b"\t\r\n" for byte in start):
        return "it is a text file (such as CSV), not a workbook; save it as .xlsx"
    return "it is not a zip file, as every .xlsx file is"


def _encrypted() -> WorkbookError:
    return refused(
        "WORKBOOK_ENCRYPTED",
        "The workbook is protected with a password; save it without one and upload again",
    )


def _too_many_parts(count: int, limits: WorkbookLimits) -> WorkbookError:
    return refused(
        "TOO_MANY_PARTS",
        f"The file holds {count:,} zip entries (or a directory that large); a workbook has "
        f"at most {limits.max_parts:,}",
    )


def _zip_bomb(info: zipfile.ZipInfo, limits: WorkbookLimits) -> WorkbookError:
    return refused(
        "ZIP_BOMB",
        f"The workbook's part {info.filename!r} unpacks to more than "
        f"{limits.max_compression_ratio:g} times its compressed size "
        f"({size_text(info.compress_size)} declared as {size_text(info.file_size)})",
    )
