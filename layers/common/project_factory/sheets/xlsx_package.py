"""An .xlsx file as the zip of XML parts it is: its sheets, shared strings and date styles.

Only what reading and rewriting a data sheet needs. The small parts (workbook, its
relationships) are parsed whole and styles incrementally, all through defusedxml with
DOCTYPEs forbidden; the large ones (sheets, shared strings) are streamed.

Before anything is parsed, the upload is checked against its limits (see `limits`):
its size, what it is (a zip, not an OLE2 file, a CSV or an OpenDocument file renamed),
the number of entries and the size of the central directory (read from the end record,
before `zipfile` builds an object per entry), encryption, compression methods, every
part's unpacked size, compression ratio and the total, and that no XML part declares a
DOCTYPE. The directory is not trusted alone: every part is counted again while it is
read, and reading stops past its declared size or ratio.
"""

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, BinaryIO
from xml.etree.ElementTree import Element, ParseError

# defusedxml ships no type hints (and types-defusedxml is not a dependency): its
# fromstring and iterparse are ElementTree's, and are typed as such where they are used.
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring, iterparse  # type: ignore[import-untyped]

from project_factory.errors import WorkbookError
from project_factory.sheets.limits import (
    DEFAULT_LIMITS,
    RATIO_CHECKED_FROM_BYTES,
    WorkbookLimits,
    refused,
    size_text,
)
from project_factory.sheets.xlsx_dates import DateStyles
from project_factory.sheets.xlsx_rows import CHUNK_SIZE
from project_factory.sheets.xlsx_text import shared_text
from project_factory.sheets.xml_elements import ElementCutter, element_pattern, start_tag_pattern

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_SST_START = re.compile(rb"<((?:\w+:)?)sst\b(?:[^>/]|/(?!>))*+(/?)>")
#: Compound File (OLE2): Excel 97-2003 workbooks, and password-protected .xlsx files.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_END_RECORD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END_RECORD = b"PK\x06\x06"
#: A central directory entry is 46 bytes and a name; more than this per part is no workbook.
_DIRECTORY_BYTES_PER_PART = 4096
_XML_PART = re.compile(r"(?i)\.(?:xml|rels|vml)$")
#: How far into an XML part its root element must have started.
_PROLOG_BYTES = 1 << 16
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


class XlsxPackage:
    """An uploaded workbook, opened and checked; WorkbookError (an InvalidRequestError)
    when it is not an .xlsx file or passes a limit."""

    def __init__(self, source: BinaryIO | bytes, limits: WorkbookLimits = DEFAULT_LIMITS) -> None:
        stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
        self._limits = limits
        try:
            _check_container(stream, limits)
            self.archive = zipfile.ZipFile(stream)
        except WorkbookError:
            raise
        except DAMAGED as error:
            raise unreadable(error) from error
        try:
            self._check_parts()
            self._workbook = self._main_part()
            self._relations = self._relationships(self._workbook)
            root = self._parse(self._workbook)
            self._check_shared_strings()
        except WorkbookError:
            self.archive.close()
            raise
        except DAMAGED as error:
            self.archive.close()
            raise unreadable(error, _other_format(self.archive)) from error
        self._sheets: dict[str, str] = {}
        for sheet in root.iter(f"{_MAIN}sheet"):
            target = self._relations.get(sheet.get(_RELATIONSHIP_ID, ""), (None, None))[1]
            if target is not None:
                self._sheets[sheet.get("name", "")] = target
        properties = root.find(f"{_MAIN}workbookPr")
        flag = properties.get("date1904", "") if properties is not None else ""
        self._date1904 = flag.lower() in ("1", "true")
        self._string_table: list[str] | None = None

    @property
    def limits(self) -> WorkbookLimits:
        return self._limits

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> "XlsxPackage":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def sheet_names(self) -> list[str]:
        """The titles of the sheets, in the workbook's order."""
        return list(self._sheets)

    def sheet_part(self, title: str) -> str:
        """The zip member holding the sheet `title`."""
        return self._sheets[title]

    def open(self, member: str) -> BinaryIO:
        """A part, streamed and counted: reading stops past its declared size or ratio."""
        try:
            info = self.archive.getinfo(member)
            # _CountedPart has the reading half of a binary stream (read, close, with), all
            # a part's readers use, not the whole BinaryIO protocol.
            return _CountedPart(self.archive.open(info), info, self._limits)  # type: ignore[return-value]
        except DAMAGED as error:
            raise unreadable(error) from error

    def date_styles(self) -> DateStyles:
        """Which cell styles hold dates, from `styles.xml` (none when there is no such part)."""
        part = self._related("/styles")
        if part is None or part not in self.archive.NameToInfo:
            return DateStyles()
        with self.open(part) as stream, _defused(part):
            formats, custom = _number_formats(stream)
        return DateStyles.of(formats, custom, date1904=self._date1904)

    def string_table(self) -> list[str]:
        """Every shared string, in index order, read once (see `shared_strings`)."""
        if self._string_table is None:
            self._string_table = list(self.shared_strings())
        return self._string_table

    def shared_strings(self) -> Iterator[str]:
        """The texts of the shared strings, in index order, streamed.

        Texts are as openpyxl reads them: runs joined, `x005F_` escapes dropped (and
        Excel's escapes of control characters resolved, see `xlsx_text.shared_text`).
        A text longer than a cell may be is refused (STRING_TOO_LONG).
        """
        limit = self._limits.max_cell_chars
        for index, body in enumerate(self._string_items()):
            text = shared_text(body)
            if len(text) > limit:
                raise _string_too_long(index, f"{len(text):,} characters", limit)
            yield text

    def _string_items(self) -> Iterator[bytes]:
        """The inside of every `<si>` of the shared-strings part, in order, streamed."""
        part = self._related("/sharedStrings")
        if part is None or part not in self.archive.NameToInfo:
            return
        limits = self._limits
        with self.open(part) as stream:
            buffer = b""
            while (found := _SST_START.search(buffer)) is None:
                data = stream.read(CHUNK_SIZE)
                if not data or len(buffer) > _PROLOG_BYTES:
                    raise ValueError("the shared strings have no <sst>")
                buffer += data
            if found.group(2):
                return
            prefix = found.group(1)
            tag = prefix + b"si"
            items = element_pattern(tag)
            count = 0
            cutter = ElementCutter(
                start=b"<" + tag,
                end=b"</" + tag + b">",
                stop=b"</" + prefix + b"sst>",
                opening=start_tag_pattern(tag),
                limit=limits.max_row_bytes,
                too_large=lambda: _string_too_long(
                    count, f"more than {size_text(limits.max_row_bytes)} of XML", None
                ),
            )
            data = buffer[found.end() :]
            while True:
                for piece in cutter.feed(data):
                    for _, _, body in items.findall(piece):
                        count += 1
                        yield body
                if cutter.tail is not None:
                    return
                data = stream.read(CHUNK_SIZE)
                if not data:
                    raise ValueError("the shared strings end inside <sst>")

    def _check_parts(self) -> None:
        """Every entry of the directory against the limits, before any is read."""
        limits = self._limits
        infos = self.archive.infolist()
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
        for info in infos:
            if _XML_PART.search(info.filename) and info.file_size:
                self._refuse_doctype(info)

    def _refuse_doctype(self, info: zipfile.ZipInfo) -> None:
        """XML_NOT_ALLOWED when the part's prolog (what comes before its root element)
        declares a DOCTYPE: the only place XML allows one."""
        with self.open(info.filename) as stream:
            head = stream.read(_PROLOG_BYTES)
        verdict = _prolog(head)
        if verdict == "doctype":
            raise refused(
                "XML_NOT_ALLOWED",
                f"The workbook's part {info.filename!r} declares a DOCTYPE, which workbooks "
                "never need and XML attacks (external entities, entity expansion) use",
            )
        if verdict == "unended" and info.file_size > len(head):
            raise refused(
                "XML_NOT_ALLOWED",
                f"The workbook's part {info.filename!r} has more than "
                f"{size_text(_PROLOG_BYTES)} before its first element",
            )

    def _check_shared_strings(self) -> None:
        part = self._related("/sharedStrings")
        info = self.archive.NameToInfo.get(part or "")
        limit = self._limits.max_shared_strings_bytes
        if info is not None and info.file_size > limit:
            raise refused(
                "WORKBOOK_TOO_LARGE",
                f"The workbook's shared strings unpack to {size_text(info.file_size)}, "
                f"more than {size_text(limit)}",
            )

    def _main_part(self) -> str:
        """The workbook part named by the package relationships (`xl/workbook.xml`)."""
        for kind, target in self._relationships("").values():
            if kind.endswith("/officeDocument"):
                return target
        return "xl/workbook.xml"

    def _related(self, kind_suffix: str) -> str | None:
        for kind, target in self._relations.values():
            if kind.endswith(kind_suffix):
                return target
        return None

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id -> (type, target part) of the relationships of `part` (`""`: the package's)."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{name}.rels")
        if rels not in self.archive.NameToInfo:
            return {}
        relations = {}
        for relation in self._parse(rels).iter(f"{_RELATIONSHIPS}Relationship"):
            target = relation.get("Target", "")
            if relation.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            relations[relation.get("Id", "")] = (relation.get("Type", ""), posixpath.normpath(path))
        return relations

    def _parse(self, part: str) -> Element:
        """A small part as a tree, through defusedxml with DOCTYPEs forbidden."""
        limit = self._limits.max_xml_part_bytes
        if self.archive.getinfo(part).file_size > limit:
            raise refused(
                "WORKBOOK_TOO_LARGE", f"The workbook's part {part!r} is larger than {limit:,} bytes"
            )
        with self.open(part) as stream:
            data = stream.read(limit + 1)
        with _defused(part):
            tree: Element = fromstring(data, forbid_dtd=True)
        return tree


class _CountedPart:
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

    def __enter__(self) -> "_CountedPart":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _check_container(stream: BinaryIO, limits: WorkbookLimits) -> None:
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


def _number_formats(stream: BinaryIO) -> tuple[list[int], dict[int, str]]:
    """The number format of each cell style, in order, and the custom formats by id, read
    incrementally from `styles.xml`: each element is dropped once read, so memory stays
    flat."""
    custom: dict[int, str] = {}
    formats: list[int] = []
    numbers, number = f"{_MAIN}numFmts", f"{_MAIN}numFmt"
    cell_styles, style = f"{_MAIN}cellXfs", f"{_MAIN}xf"
    path: list[Element] = []
    for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
        if event == "start":
            path.append(element)
            continue
        path.pop()
        if not path:
            continue
        parent = path[-1]
        if element.tag == number and parent.tag == numbers:
            custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
        elif element.tag == style and parent.tag == cell_styles:
            formats.append(int(element.get("numFmtId", "0")))
        parent.remove(element)
    return formats, custom


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


def _prolog(head: bytes) -> str:
    """ "doctype" when the XML's prolog declares one, "unended" when `head` ends before
    the root element starts, else "ok"."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8", errors="replace")
    at = 1 if text.startswith("\ufeff") else 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return "unended"
        if text.startswith("<?", at):
            end = "?>"
        elif text.startswith("<!--", at):
            end = "-->"
        elif text.startswith("<!", at):
            return "doctype"
        else:
            return "ok"
        close = text.find(end, at)
        if close < 0:
            return "unended"
        at = close + len(end)


def _text_hint(start: bytes) -> str:
    if start.lstrip().startswith(b"<"):
        return "it is an XML or HTML file, not a workbook; save it as .xlsx"
    if not start.strip() or all(32 <= byte < 127 or byte in b"\t\r\n" for byte in start):
        return "it is a text file (such as CSV), not a workbook; save it as .xlsx"
    return "it is not a zip file, as every .xlsx file is"


def _other_format(archive: zipfile.ZipFile) -> str:
    """What a zip that is no workbook is, when it says (an OpenDocument file does)."""
    try:
        if "mimetype" in archive.NameToInfo and archive.getinfo("mimetype").file_size < 200:
            kind = archive.read("mimetype").decode("ascii", errors="replace")
            return f"it is a {kind} file; save it as .xlsx"
    except DAMAGED:
        pass
    return ""


@contextmanager
def _defused(part: str) -> Iterator[None]:
    """DOCTYPEs and entities refused as XML_NOT_ALLOWED, bad XML as UNREADABLE_WORKBOOK."""
    try:
        yield
    except DefusedXmlException as error:
        raise refused(
            "XML_NOT_ALLOWED",
            f"The workbook's part {part!r} declares a DOCTYPE or entities, which workbooks "
            "never need and XML attacks use",
        ) from error
    except ParseError as error:
        raise unreadable(error, f"its part {part!r} is not well-formed XML") from error


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


def _string_too_long(index: int, size: str, limit: int | None) -> WorkbookError:
    most = f"; a cell holds at most {limit:,} characters" if limit else ""
    return refused("STRING_TOO_LONG", f"Shared string {index} of the workbook holds {size}{most}")
