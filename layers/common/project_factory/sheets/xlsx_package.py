"""An .xlsx file as the zip of XML parts it is: its sheets, shared strings and date styles.

Only what reading and rewriting a data sheet needs. The small parts (workbook, its
relationships, styles) are parsed whole; the large ones (sheets, shared strings) are
streamed.
"""

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree import ElementTree

from project_factory.errors import InvalidRequestError
from project_factory.sheets.xlsx_dates import DateStyles
from project_factory.sheets.xlsx_rows import CHUNK_SIZE
from project_factory.sheets.xlsx_text import rich_text

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_SST_START = re.compile(rb"<((?:\w+:)?)sst\b")


def unreadable(error: Exception | None = None) -> InvalidRequestError:
    failure = InvalidRequestError(
        "The file is not a readable Excel workbook (.xlsx)", code="UNREADABLE_WORKBOOK"
    )
    failure.__cause__ = error
    return failure


class XlsxPackage:
    """An uploaded workbook, opened; InvalidRequestError when it is not an .xlsx file."""

    def __init__(self, source: BinaryIO | bytes) -> None:
        stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
        try:
            self.archive = zipfile.ZipFile(stream)
            self._workbook = self._main_part()
            self._relations = self._relationships(self._workbook)
            root = self._parse(self._workbook)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, ElementTree.ParseError) as error:
            raise unreadable(error) from error
        self._sheets: dict[str, str] = {}
        for sheet in root.iter(f"{_MAIN}sheet"):
            target = self._relations.get(sheet.get(_RELATIONSHIP_ID, ""), (None, None))[1]
            if target is not None:
                self._sheets[sheet.get("name", "")] = target
        properties = root.find(f"{_MAIN}workbookPr")
        flag = properties.get("date1904", "") if properties is not None else ""
        self._date1904 = flag.lower() in ("1", "true")

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
        try:
            return self.archive.open(member)
        except (KeyError, zipfile.BadZipFile) as error:
            raise unreadable(error) from error

    def date_styles(self) -> DateStyles:
        """Which cell styles hold dates, from `styles.xml` (none when there is no such part)."""
        part = self._related("/styles")
        if part is None or part not in self.archive.NameToInfo:
            return DateStyles()
        root = self._parse(part)
        custom = {
            int(number.get("numFmtId", "0")): number.get("formatCode", "")
            for number in root.iterfind(f"{_MAIN}numFmts/{_MAIN}numFmt")
        }
        formats = [
            int(style.get("numFmtId", "0")) for style in root.iterfind(f"{_MAIN}cellXfs/{_MAIN}xf")
        ]
        return DateStyles.of(formats, custom, date1904=self._date1904)

    def shared_strings(self) -> Iterator[str]:
        """The texts of the shared strings, in index order, streamed.

        Texts are as openpyxl reads them: runs joined, `x005F_` escapes dropped.
        """
        for body in self._string_items():
            yield rich_text(body).replace("x005F_", "")

    def _string_items(self) -> Iterator[bytes]:
        """The inside of every `<si>` of the shared-strings part, in order, streamed."""
        part = self._related("/sharedStrings")
        if part is None or part not in self.archive.NameToInfo:
            return
        with self.open(part) as stream:
            buffer = stream.read(CHUNK_SIZE)
            found = _SST_START.search(buffer)
            prefix = re.escape(found.group(1) if found else b"")
            item = re.compile(rb"<%ssi\b[^>]*?(?:/>|>(.*?)</%ssi>)" % (prefix, prefix), re.S)
            start = b"<" + (found.group(1) if found else b"") + b"si"
            while True:
                data = stream.read(CHUNK_SIZE)
                # Items before the last item start are whole (or all of them at the end).
                cut = len(buffer) if not data else buffer.rfind(start)
                for match in item.finditer(buffer, 0, max(cut, 0)):
                    yield match.group(1) or b""
                if not data:
                    return
                buffer = buffer[max(cut, 0) :] + data

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

    def _parse(self, part: str) -> ElementTree.Element:
        return ElementTree.fromstring(self.archive.read(part))
