"""An .xlsx file as the zip of XML parts it is: its sheets, shared strings and date styles.

Only what reading and rewriting a data sheet needs. The small parts (workbook, its
relationships) are parsed whole and styles incrementally, all through defusedxml with
DOCTYPEs forbidden; the large ones (sheets, shared strings) are streamed.

Before anything is parsed, the upload and its zip directory are checked against their
limits (`xlsx_zip_checks`), and no XML part may declare a DOCTYPE (`xlsx_xml_guard`);
every part is then read counted, stopping past its declared size or ratio.
"""

import io
import posixpath
import zipfile
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element

# defusedxml ships no type hints (and types-defusedxml is not a dependency): its
# fromstring is ElementTree's, and is typed as such where it is used.
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

from project_factory.errors import WorkbookError
from project_factory.sheets.limits import DEFAULT_LIMITS, WorkbookLimits, refused, size_text
from project_factory.sheets.xlsx_dates import DateStyles
from project_factory.sheets.xlsx_shared_strings import shared_string_texts
from project_factory.sheets.xlsx_styles import MAIN_NAMESPACE, number_formats
from project_factory.sheets.xlsx_xml_guard import PROLOG_BYTES, XML_PART, check_prolog, defused
from project_factory.sheets.xlsx_zip_checks import (
    DAMAGED,
    CountedPart,
    check_container,
    check_entries,
    other_format,
    unreadable,
)

_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class XlsxPackage:
    """An uploaded workbook, opened and checked; WorkbookError (an InvalidRequestError)
    when it is not an .xlsx file or passes a limit."""

    def __init__(self, source: BinaryIO | bytes, limits: WorkbookLimits = DEFAULT_LIMITS) -> None:
        stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
        self._limits = limits
        try:
            check_container(stream, limits)
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
            raise unreadable(error, other_format(self.archive)) from error
        self._sheets = self._sheet_parts(root)
        self._date1904 = _is_date1904(root)
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
            # CountedPart has the reading half of a binary stream (read, close, with), all
            # a part's readers use, not the whole BinaryIO protocol.
            return CountedPart(self.archive.open(info), info, self._limits)  # type: ignore[return-value]
        except DAMAGED as error:
            raise unreadable(error) from error

    def date_styles(self) -> DateStyles:
        """Which cell styles hold dates, from `styles.xml` (none when there is no such part)."""
        part = self._related("/styles")
        if part is None or part not in self.archive.NameToInfo:
            return DateStyles()
        with self.open(part) as stream, defused(part):
            formats, custom = number_formats(stream)
        return DateStyles.of(formats, custom, date1904=self._date1904)

    def string_table(self) -> list[str]:
        """Every shared string, in index order, read once (see `shared_strings`)."""
        if self._string_table is None:
            self._string_table = list(self.shared_strings())
        return self._string_table

    def shared_strings(self) -> Iterator[str]:
        """The texts of the shared strings, in index order, streamed (see
        `xlsx_shared_strings.shared_string_texts`); none when there is no such part."""
        part = self._related("/sharedStrings")
        if part is None or part not in self.archive.NameToInfo:
            return
        with self.open(part) as stream:
            yield from shared_string_texts(stream, self._limits)

    def _check_parts(self) -> None:
        """Every entry of the directory against the limits, before any is read; then the
        prolog of every XML part."""
        infos = self.archive.infolist()
        check_entries(infos, self._limits)
        for info in infos:
            if XML_PART.search(info.filename) and info.file_size:
                with self.open(info.filename) as stream:
                    head = stream.read(PROLOG_BYTES)
                check_prolog(info, head)

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

    def _sheet_parts(self, root: Element) -> dict[str, str]:
        """Sheet title -> its part, for the sheets of the workbook part `root` whose
        relationship names one."""
        sheets: dict[str, str] = {}
        for sheet in root.iter(f"{MAIN_NAMESPACE}sheet"):
            target = self._relations.get(sheet.get(_RELATIONSHIP_ID, ""), (None, None))[1]
            if target is not None:
                sheets[sheet.get("name", "")] = target
        return sheets

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
        with defused(part):
            tree: Element = fromstring(data, forbid_dtd=True)
        return tree


def _is_date1904(root: Element) -> bool:
    """Whether the workbook part `root` counts dates from 1904 (as Mac Excel once did)."""
    properties = root.find(f"{MAIN_NAMESPACE}workbookPr")
    flag = properties.get("date1904", "") if properties is not None else ""
    return flag.lower() in ("1", "true")
