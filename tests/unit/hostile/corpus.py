"""A corpus of bad inputs, generated here (no binaries are committed).

Every kind of file issue #11 met, and a few more: not a zip, truncated, encrypted,
other formats renamed, zip bombs (honest, lying, many parts), huge and long strings,
trailing whitespace, a column past XFD, rows past the limits, XXE and billion laughs in
every kind of part, control characters, formula injection, patterns that used to
backtrack. Each case says what reading it as an upload must come to: `failed` with a
code (the file refused as a whole) or `invalid` with a code in a row's errors.
"""

import io
import os
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from project_factory.errors import DomainError
from project_factory.sheets.limits import DEFAULT_LIMITS, WorkbookLimits
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.metadata import check_upload_metadata
from project_factory.sheets.reader import iter_sheet_rows
from project_factory.sheets.spec import FACILITY
from tests.unit.sheets.support import facility, facility_file, validator

SHEET = "xl/worksheets/sheet2.xml"
METADATA = "xl/worksheets/sheet3.xml"
MESSAGES = load_bundled_messages()
_MIB = 1 << 20
XXE = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)


@dataclass(frozen=True)
class Outcome:
    #: "failed" (refused as a whole), "invalid" (a row refused) or "valid"
    status: str
    code: str | None = None


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    expected: Outcome
    limits: WorkbookLimits = field(default=DEFAULT_LIMITS)


def judge(data: bytes, limits: WorkbookLimits = DEFAULT_LIMITS) -> Outcome:
    """What the Validate step makes of an upload, at the sheets level: the metadata
    check, then every row read and validated."""
    try:
        check_upload_metadata(data, resource_type="facility", campaign_id=None, limits=limits)
        rows = iter_sheet_rows(data, FACILITY, MESSAGES, limits=limits)
        verdicts = list(validator(FACILITY).validate_all(rows))
    except DomainError as error:
        return Outcome("failed", error.code)
    codes = [
        match.group(1)
        for verdict in verdicts
        for error in verdict.errors
        if (match := re.match(r"([A-Z][A-Z_]{3,}):", error))
    ]
    if any(verdict.errors for verdict in verdicts):
        return Outcome("invalid", codes[0] if codes else None)
    return Outcome("valid")


# ----------------------------------------------------------------------- building blocks


def normal(rows: int = 1) -> bytes:
    """A valid facility upload of `rows` rows (openpyxl's layout: inline strings)."""
    return facility_file(*[facility(name=f"Facility {n}") for n in range(rows)])


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(parts: dict[str, bytes | Iterable[bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of `parts`; a part given as chunks is streamed in (a large part costs no
    memory to build)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in parts.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w", force_zip64=True) as sink:
                for chunk in content:
                    sink.write(chunk)
    return buffer.getvalue()


def changed(data: bytes, changes: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """The upload with some parts rewritten: part name -> function of its old bytes."""
    parts: dict[str, Any] = parts_of(data)
    for name, change in changes.items():
        parts[name] = change(parts[name])
    return zipped(parts)


def in_sheet(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    """A change of a part: the first `old` replaced by `new`."""
    return lambda xml: xml.replace(old, new, 1)


def data_row(number: int, name: str) -> bytes:
    """A facility data row named `name` at row `number` (columns B to G)."""
    texts = {"B": name, "C": "Health Facility", "D": "Permanent", "F": "LOC_A", "G": "Active"}
    cells = [
        f'<c r="{column}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
        for column, text in texts.items()
    ]
    cells.insert(3, f'<c r="E{number}"><v>10</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'.encode()


def with_rows(*rows: bytes) -> Callable[[bytes], bytes]:
    """The data sheet with `rows` in place of the data rows after the header."""

    def change(xml: bytes) -> bytes:
        head, rest = xml.split(b"</row>", 1)
        tail = rest[rest.index(b"</sheetData>") :]
        return head + b"</row>" + b"".join(rows) + tail

    return change


def patched_flags(data: bytes, flag: int) -> bytes:
    """The zip with `flag` set in every entry's general-purpose flags."""
    raw = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for found in re.finditer(re.escape(signature), raw):
            position = found.start() + offset
            raw[position] |= flag
    return bytes(raw)


def ole2(*stream_names: str) -> bytes:
    """The start of a Compound File (OLE2) with a directory naming `stream_names`."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    directory = b"".join(name.encode("utf-16-le").ljust(128, b"\x00") for name in stream_names)
    return header + directory + bytes(1024)


def spaces(total: int, chunk: int = _MIB) -> Iterable[bytes]:
    block = b" " * chunk
    for _ in range(total // chunk):
        yield block


def random_text(size: int, seed: int = 11) -> bytes:
    """Letters that compress about 4:1, far from a bomb's ratio: the file stays large."""
    letters = bytes.maketrans(bytes(range(256)), b"ACGT" * 64)
    return random.Random(seed).randbytes(size).translate(letters)


def lying_directory(declared: int, actual: int) -> bytes:
    """A zip whose directory says the data sheet unpacks to `declared` bytes while its
    deflate stream unpacks to `actual` bytes (whitespace after the rows)."""
    parts = parts_of(normal())
    sheet = parts.pop(SHEET)
    head, tail = sheet.split(b"</sheetData>")
    stream = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = stream.compress(head) + b"".join(stream.compress(block) for block in spaces(actual))
    body += stream.compress(b"</sheetData>" + tail) + stream.flush()
    entries = [
        (name, zlib.compress(content)[2:-4], zlib.crc32(content), len(content))
        for name, content in parts.items()
    ]
    entries.append((SHEET, body, zlib.crc32(head[:declared]), declared))
    local, directory = bytearray(), bytearray()
    for name, data, crc, size in entries:
        encoded = name.encode()
        fields = struct.pack("<HHHHHLLLHH", 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        directory += (
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fields
            + struct.pack("<HHHLL", 0, 0, 0, 0, len(local))
            + encoded
        )
        local += b"PK\x03\x04" + fields + encoded + data
    end = struct.pack(
        "<4s4HLLH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), len(local), 0
    )
    return bytes(local + directory + end)


# ----------------------------------------------------------------------------- the corpus


def _sheet_with_cell_at(letters: bytes) -> Callable[[bytes], bytes]:
    return in_sheet(
        b"</row>", b'<c r="%s1" t="inlineStr"><is><t>Far away</t></is></c></row>' % letters
    )


def _shared_strings_part(items: Iterable[bytes], prolog: bytes = b"") -> Iterable[bytes]:
    yield prolog + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    yield from items
    yield b"</sst>"


def with_shared(data: bytes, *items: Iterable[bytes] | bytes, prolog: bytes = b"") -> bytes:
    """The upload with a shared-strings part of `items` (each an `<si>`, or chunks of
    one), and the data row's name cell pointing at the first."""
    parts: dict[str, Any] = parts_of(data)
    parts["xl/sharedStrings.xml"] = _shared_strings_part(
        (chunk for item in items for chunk in ([item] if isinstance(item, bytes) else item)),
        prolog,
    )
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    parts[SHEET] = re.sub(
        rb'<c r="B2" t="inlineStr"><is><t>[^<]*</t></is></c>',
        b'<c r="B2" t="s"><v>0</v></c>',
        parts[SHEET],
    )
    return zipped(parts)


def _huge_item(size: int, text: Callable[[int], Iterable[bytes]]) -> Iterable[bytes]:
    yield b"<si><t>"
    yield from text(size)
    yield b"</t></si>"


def whitespace_after_rows(size: int) -> bytes:
    parts: dict[str, Any] = parts_of(normal())
    head, tail = parts[SHEET].split(b"</sheetData>")
    parts[SHEET] = iter([head, *spaces(size), b"</sheetData>", tail])
    return zipped(parts)


def bomb(size: int) -> bytes:
    return whitespace_after_rows(size)


def _many_small_parts(count: int, size: int) -> bytes:
    parts: dict[str, Any] = parts_of(normal())
    for index in range(count):
        parts[f"xl/media/filler{index}.bin"] = bytes(size)
    return zipped(parts)


def _too_many_parts(count: int) -> bytes:
    parts: dict[str, Any] = parts_of(normal())
    for index in range(count):
        parts[f"customXml/item{index}.txt"] = b"x"
    return zipped(parts)


def _control(raw: bytes, *, dimension: bool) -> bytes:
    def change(xml: bytes) -> bytes:
        xml = xml.replace(b"Facility 0", raw, 1)
        return xml if dimension else re.sub(rb"<dimension [^>]*/>", b"", xml)

    return changed(normal(), {SHEET: change})


def _regex_trap(count: int) -> bytes:
    """Cells whose attributes could be read many ways, left unclosed: exponential for a
    pattern that backtracks."""
    cell = b'<c r="H2"' + b' r="H2"' * count + b' t="inlineStr"><is><t>x</t></is>'
    return changed(normal(), {SHEET: in_sheet(b"</row><row", cell + b"</row><row")})


def _unclosed_rows(count: int) -> bytes:
    """Many rows opened and never closed, ending with one self-closing row."""
    return changed(
        normal(),
        {SHEET: in_sheet(b"</sheetData>", b"<row>" * count + b"<row/></sheetData>")},
    )


def _far_row(number: int) -> bytes:
    return b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row></sheetData>' % (
        number,
        number,
    )


def with_prolog(part: str, declaration: str) -> Callable[[], bytes]:
    def build() -> bytes:
        parts = parts_of(normal())
        parts[part] = b'<?xml version="1.0"?>\n' + declaration.encode() + parts[part]
        return zipped(parts)

    return build


FAILED = "failed"
INVALID = "invalid"

CORPUS: list[Case] = [
    # not workbooks
    Case(
        "not a zip (CSV text)",
        lambda: b"name,capacity\nDepot,10\n" * 50,
        Outcome(FAILED, "UNREADABLE_WORKBOOK"),
    ),
    Case("empty file", lambda: b"", Outcome(FAILED, "UNREADABLE_WORKBOOK")),
    Case("random bytes", lambda: os.urandom(4096), Outcome(FAILED, "UNREADABLE_WORKBOOK")),
    Case("truncated zip", lambda: normal(200)[:-2000], Outcome(FAILED, "UNREADABLE_WORKBOOK")),
    Case(
        "truncated in half",
        lambda: normal(200)[: len(normal(200)) // 2],
        Outcome(FAILED, "UNREADABLE_WORKBOOK"),
    ),
    Case(
        "encrypted zip (flag)",
        lambda: patched_flags(normal(), 0x1),
        Outcome(FAILED, "WORKBOOK_ENCRYPTED"),
    ),
    Case(
        "encrypted workbook (OLE2 package)",
        lambda: ole2("Root Entry", "EncryptionInfo", "EncryptedPackage"),
        Outcome(FAILED, "WORKBOOK_ENCRYPTED"),
    ),
    Case(
        ".xls renamed (OLE2)",
        lambda: ole2("Root Entry", "Workbook"),
        Outcome(FAILED, "UNREADABLE_WORKBOOK"),
    ),
    Case(
        ".ods renamed",
        lambda: zipped(
            {
                "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                "content.xml": b"<office:document-content/>",
            },
            zipfile.ZIP_STORED,
        ),
        Outcome(FAILED, "UNREADABLE_WORKBOOK"),
    ),
    Case(
        ".csv renamed",
        lambda: "Facility Name,Capacity\nDépôt,10\n".encode() * 100,
        Outcome(FAILED, "UNREADABLE_WORKBOOK"),
    ),
    Case(
        "bzip2-compressed parts",
        lambda: zipped(parts_of(normal()), zipfile.ZIP_BZIP2),
        Outcome(FAILED, "UNREADABLE_WORKBOOK"),
    ),
    # sizes
    Case(
        "file too large",
        lambda: normal(),
        Outcome(FAILED, "FILE_TOO_LARGE"),
        WorkbookLimits(max_bytes=4096),
    ),
    Case(
        "zip bomb: 256 MiB of sheet XML in a few hundred KiB",
        lambda: bomb(255 * _MIB),
        Outcome(FAILED, "ZIP_BOMB"),
    ),
    Case(
        "zip bomb: a directory that lies about the size",
        lambda: lying_directory(declared=4096, actual=64 * _MIB),
        Outcome(FAILED, "UNREADABLE_WORKBOOK"),
    ),
    Case(
        "zip bomb: many parts just under the ratio's floor",
        lambda: _many_small_parts(300, _MIB - 1),
        Outcome(FAILED, "WORKBOOK_TOO_LARGE"),
    ),
    Case("too many parts", lambda: _too_many_parts(600), Outcome(FAILED, "TOO_MANY_PARTS")),
    Case(
        "huge shared string (128 MiB)",
        lambda: with_shared(normal(), _huge_item(128 * _MIB, spaces)),
        Outcome(FAILED, "ZIP_BOMB"),
    ),
    Case(
        "huge shared string, incompressible (5 MiB)",
        lambda: with_shared(normal(), _huge_item(5 * _MIB, lambda size: [random_text(size)])),
        Outcome(FAILED, "STRING_TOO_LONG"),
    ),
    Case(
        "long shared string (40,000 characters)",
        lambda: with_shared(normal(), b"<si><t>" + random_text(40_000) + b"</t></si>"),
        Outcome(FAILED, "STRING_TOO_LONG"),
    ),
    Case(
        "long inline cell (40,000 characters)",
        lambda: changed(normal(), {SHEET: in_sheet(b"Facility 0", random_text(40_000))}),
        Outcome(FAILED, "CELL_TOO_LONG"),
    ),
    Case(
        "huge row (5 MiB inline cell)",
        lambda: changed(normal(), {SHEET: in_sheet(b"Facility 0", random_text(5 * _MIB))}),
        Outcome(FAILED, "ROW_TOO_LARGE"),
    ),
    Case(
        "whitespace after the last row (128 MiB)",
        lambda: whitespace_after_rows(128 * _MIB),
        Outcome(FAILED, "ZIP_BOMB"),
    ),
    # positions
    Case(
        "header cell at column ZZZZZZ",
        lambda: changed(normal(), {SHEET: _sheet_with_cell_at(b"ZZZZZZ")}),
        Outcome(FAILED, "TOO_MANY_COLUMNS"),
    ),
    Case(
        "cell at column XFE",
        lambda: changed(normal(), {SHEET: _sheet_with_cell_at(b"XFE")}),
        Outcome(FAILED, "TOO_MANY_COLUMNS"),
    ),
    Case(
        "row numbered 200,000,000",
        lambda: changed(
            normal(), {SHEET: with_rows(data_row(2, "Depot"), data_row(200_000_000, "Far"))}
        ),
        Outcome(FAILED, "TOO_MANY_ROWS"),
    ),
    Case(
        "a value in row 300,000 (past the configured last row)",
        lambda: changed(normal(), {SHEET: with_rows(data_row(300_000, "Far"))}),
        Outcome(FAILED, "TOO_MANY_ROWS"),
    ),
    Case(
        "hidden metadata sheet with a row at 200,000,000",
        lambda: changed(normal(), {METADATA: in_sheet(b"</sheetData>", _far_row(200_000_000))}),
        Outcome(FAILED, "TOO_MANY_ROWS"),
    ),
    Case(
        "hidden metadata sheet with a row at 1,000,000",
        lambda: changed(normal(), {METADATA: in_sheet(b"</sheetData>", _far_row(1_000_000))}),
        Outcome("valid"),
    ),
    # XML attacks
    Case("XXE in the data sheet", with_prolog(SHEET, XXE), Outcome(FAILED, "XML_NOT_ALLOWED")),
    Case(
        "XXE in workbook.xml",
        with_prolog("xl/workbook.xml", XXE),
        Outcome(FAILED, "XML_NOT_ALLOWED"),
    ),
    Case(
        "XXE in the relationships",
        with_prolog("xl/_rels/workbook.xml.rels", XXE),
        Outcome(FAILED, "XML_NOT_ALLOWED"),
    ),
    Case(
        "billion laughs in styles.xml",
        with_prolog("xl/styles.xml", BILLION_LAUGHS),
        Outcome(FAILED, "XML_NOT_ALLOWED"),
    ),
    Case(
        "billion laughs in the content types",
        with_prolog("[Content_Types].xml", BILLION_LAUGHS),
        Outcome(FAILED, "XML_NOT_ALLOWED"),
    ),
    Case(
        "XXE in a part only copied (docProps/core.xml)",
        with_prolog("docProps/core.xml", XXE),
        Outcome(FAILED, "XML_NOT_ALLOWED"),
    ),
    Case(
        "billion laughs in the shared strings",
        lambda: with_shared(normal(), b"<si><t>&lol9;</t></si>", prolog=BILLION_LAUGHS.encode()),
        Outcome(FAILED, "XML_NOT_ALLOWED"),
    ),
    Case(
        "a DOCTYPE hidden after a comment",
        with_prolog(SHEET, "<!-- <worksheet> -->" + XXE),
        Outcome(FAILED, "XML_NOT_ALLOWED"),
    ),
    # control characters: a row refused, with its cell
    Case(
        "control character (raw byte), with <dimension>",
        lambda: _control(b"Clinic\x01A", dimension=True),
        Outcome(INVALID, "ILLEGAL_CHARACTER"),
    ),
    Case(
        "control character (raw byte), without <dimension>",
        lambda: _control(b"Clinic\x08A", dimension=False),
        Outcome(INVALID, "ILLEGAL_CHARACTER"),
    ),
    Case(
        "control character (reference &#1;)",
        lambda: _control(b"Clinic&#1;A", dimension=True),
        Outcome(INVALID, "ILLEGAL_CHARACTER"),
    ),
    Case(
        "NUL character",
        lambda: _control(b"Clinic\x00A", dimension=False),
        Outcome(INVALID, "ILLEGAL_CHARACTER"),
    ),
    Case(
        "control character in a shared string (Excel's _x0001_)",
        lambda: with_shared(normal(), b"<si><t>Clinic_x0001_A</t></si>"),
        Outcome(INVALID, "ILLEGAL_CHARACTER"),
    ),
    Case(
        "a lone surrogate (reference &#xD800;)",
        lambda: _control(b"Clinic&#xD800;A", dimension=True),
        Outcome(INVALID, "ILLEGAL_CHARACTER"),
    ),
    # formula-looking text is data, read as it is
    Case(
        "formula injection in a name",
        lambda: changed(
            normal(), {SHEET: in_sheet(b"Facility 0", b'=HYPERLINK("http://x.example","y")')}
        ),
        Outcome("valid"),
    ),
    # patterns that used to backtrack
    Case(
        "a cell with 40 ambiguous attributes, unclosed", lambda: _regex_trap(40), Outcome("valid")
    ),
    Case("20,000 rows opened and never closed", lambda: _unclosed_rows(20_000), Outcome("valid")),
]
