"""Text inside the XML of a workbook: read from raw bytes, written back escaped.

The sheet and shared-strings parts are scanned as bytes (see `xlsx_rows`), so their
text arrives with XML's escapes and line ends still in it; these turn it into what an
XML parser would have given, and the other way round.
"""

import re
from html import escape as _html_escape

_ENTITY = re.compile(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
#: `<t>` runs of a string item or inline string; phonetic runs (`<rPh>`) are not text.
_PHONETIC = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
_RUN_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*?)?(?:/>|>(.*?)</(?:\w+:)?t>)", re.S)
#: Characters XML 1.0 cannot hold, written as OOXML's `_xHHHH_` escapes.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _NAMED[name]
    return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))


def xml_text(raw: bytes) -> str:
    """Element text as a parser gives it: UTF-8 decoded, line ends and escapes resolved."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    return text


def rich_text(body: bytes) -> str:
    """The plain text of a string item (`<si>`) or inline string (`<is>`): its runs joined."""
    if body.count(b"<") == 2 and body.startswith(b"<t") and body.endswith(b"</t>"):
        # Nearly every item is one plain `<t>`: skip the general pattern.
        return xml_text(body[body.index(b">") + 1 : -4])
    if b"<rPh" in body or b":rPh" in body:
        body = _PHONETIC.sub(b"", body)
    return "".join(xml_text(run or b"") for run in _RUN_TEXT.findall(body))


def escape(text: str) -> str:
    """Text safe inside an element: markup escaped, characters XML forbids as `_xHHHH_`."""
    if not _SPECIAL.search(text):
        return text
    text = _html_escape(text, quote=False)
    return _NOT_XML.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
