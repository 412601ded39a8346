"""The number formats of a workbook's cell styles, read from `styles.xml`: all that is
needed to tell which cells hold dates (see `xlsx_dates.DateStyles`)."""

from typing import BinaryIO
from xml.etree.ElementTree import Element

# defusedxml ships no type hints (and types-defusedxml is not a dependency): its
# iterparse is ElementTree's.
from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]

#: The main namespace of SpreadsheetML, as ElementTree spells a tag in it.
MAIN_NAMESPACE = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def number_formats(stream: BinaryIO) -> tuple[list[int], dict[int, str]]:
    """The number format of each cell style, in order, and the custom formats by id, read
    incrementally from `styles.xml`: each element is dropped once read, so memory stays
    flat. DOCTYPEs are forbidden (see `xlsx_xml_guard.defused` for how that is told)."""
    custom: dict[int, str] = {}
    formats: list[int] = []
    numbers, number = f"{MAIN_NAMESPACE}numFmts", f"{MAIN_NAMESPACE}numFmt"
    cell_styles, style = f"{MAIN_NAMESPACE}cellXfs", f"{MAIN_NAMESPACE}xf"
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
