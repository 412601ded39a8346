"""No DOCTYPE in a workbook's XML: the parts streamed by our own scanners are checked
from their prolog, the small ones parsed whole go through defusedxml.

Workbooks never need a DOCTYPE, and XML attacks (external entities, entity expansion)
need one. Only the prolog, what comes before the root element, may hold it, so reading
a part's first bytes is enough to refuse it before any scanner sees the rest.
"""

import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from xml.etree.ElementTree import ParseError

# defusedxml ships no type hints (and types-defusedxml is not a dependency).
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]

from project_factory.sheets.limits import refused, size_text
from project_factory.sheets.xlsx_zip_checks import unreadable

#: The parts that are XML, by their names.
XML_PART = re.compile(r"(?i)\.(?:xml|rels|vml)$")
#: How far into an XML part its root element must have started.
PROLOG_BYTES = 1 << 16
#: What starts, and what ends, the items a prolog may hold besides a DOCTYPE and spaces.
_PROLOG_ITEMS = (("<?", "?>"), ("<!--", "-->"))


def check_prolog(info: zipfile.ZipInfo, head: bytes) -> None:
    """XML_NOT_ALLOWED when the part's prolog (`head`: its first `PROLOG_BYTES`) declares
    a DOCTYPE, or is longer than `head`."""
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
            f"{size_text(PROLOG_BYTES)} before its first element",
        )


def _prolog(head: bytes) -> str:
    """ "doctype" when the XML's prolog declares one, "unended" when `head` ends before
    the root element starts, else "ok"."""
    text = _head_text(head)
    at = 1 if text.startswith("\ufeff") else 0
    while True:
        at = _after_spaces(text, at)
        if at >= len(text):
            return "unended"
        end = _item_end(text, at)
        if end is None:
            return "doctype" if text.startswith("<!", at) else "ok"
        close = text.find(end, at)
        if close < 0:
            return "unended"
        at = close + len(end)


def _head_text(head: bytes) -> str:
    """The first bytes of a part as text: UTF-16 when they start with its byte order
    mark, else UTF-8; bytes that do not decode are replaced, as only markup matters."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    return head.decode("utf-8", errors="replace")


def _after_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _item_end(text: str, at: int) -> str | None:
    """What ends the processing instruction or comment starting at `at` (None: neither)."""
    for start, end in _PROLOG_ITEMS:
        if text.startswith(start, at):
            return end
    return None


@contextmanager
def defused(part: str) -> Iterator[None]:
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
