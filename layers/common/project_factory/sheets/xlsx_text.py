"""Text inside the XML of a workbook: read from raw bytes, written back escaped.

The sheet and shared-strings parts are scanned as bytes (see `xlsx_rows`), so their
text arrives with XML's escapes and line ends still in it; these turn it into what an
XML parser would have given, and the other way round.

Control characters (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F), lone surrogates and
U+FFFE/U+FFFF are characters XML 1.0 cannot hold: openpyxl refuses to write them and
Excel refuses a part that carries them. An upload can still hold them (raw bytes,
character references, or Excel's `_x0001_` escapes), so the reader reports them
(`illegal_character`), and nothing we write ever carries one: `REPLACEMENT` stands in.
"""

import re
from html import escape as _html_escape

_ENTITY = re.compile(r"&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,10}|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
#: `<t>` runs of a string item or inline string; phonetic runs (`<rPh>`) are not text.
#: Contents are runs of non-`<` that never cross the start of another such element, so
#: an element left open fails at once instead of searching the rest of the part.
_PHONETIC = re.compile(
    rb"<(?:\w+:)?rPh\b[^<]*+(?:<(?!/?(?:\w+:)?rPh\b)[^<]*+)*+</(?:\w+:)?rPh>", re.S
)
_RUN_TEXT = re.compile(
    rb"<(?:\w+:)?t(?:\s[^>]*?)?(?:/>|>([^<]*+(?:<(?!/?(?:\w+:)?t[\s/>])[^<]*+)*+)</(?:\w+:)?t>)"
)
#: Characters XML 1.0 cannot hold.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Excel's escape of a control character in a shared string (`_x0001_`), and its escape
#: of an escape (`_x005F_`: what follows is literal text).
_OOXML_ESCAPE = re.compile(r"_x005[fF]_|_x00(0[0-8bBcCeEfF]|1[0-9a-fA-F])_")
#: What stands for a character XML cannot hold, in everything we write.
REPLACEMENT = "\ufffd"
#: The same in raw XML: control bytes, and character references to what XML forbids.
_RAW_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,10});")
_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_RAW_REPLACEMENT = REPLACEMENT.encode()


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _NAMED[name]
    point = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
    # Beyond Unicode: no character, reported as one XML cannot hold.
    return chr(point) if point <= 0x10FFFF else "\ufffe"


def xml_text(raw: bytes) -> str:
    """Element text as a parser gives it: UTF-8 decoded, line ends and escapes resolved."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    return text


def read_number(raw: bytes) -> int | float:
    """A cell's number as openpyxl reads it: an int when written without a point or an
    exponent, else a float (ValueError when it is no number)."""
    if raw.isdigit():
        # Most numbers are whole: no search for a point.
        return int(raw)
    # `find`, not `in`: `in` on bytes first tries its operand as an int, and pays for
    # the exception it clears, ten times the search.
    if raw.find(b".") >= 0 or raw.find(b"e") >= 0 or raw.find(b"E") >= 0:
        return float(raw)
    return int(raw)


def rich_text(body: bytes) -> str:
    """The plain text of a string item (`<si>`) or inline string (`<is>`): its runs joined."""
    if body.count(b"<") == 2 and body.startswith(b"<t") and body.endswith(b"</t>"):
        # Nearly every item is one plain `<t>`: skip the general pattern.
        return xml_text(body[body.index(b">") + 1 : -4])
    if body.find(b"<rPh") >= 0 or body.find(b":rPh") >= 0:
        body = _PHONETIC.sub(b"", body)
    return "".join(xml_text(run or b"") for run in _RUN_TEXT.findall(body))


def shared_text(body: bytes) -> str:
    """A shared string's text as openpyxl reads it (runs joined, `x005F_` dropped), with
    Excel's escapes of control characters (`_x0001_`) turned into the characters they
    stand for, so that `illegal_character` sees them."""
    text = rich_text(body)
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(_unescape_control, text)
        text = text.replace("x005F_", "")
    return text


def _unescape_control(match: re.Match[str]) -> str:
    code = match.group(1)
    return chr(int(code, 16)) if code else match.group()


def illegal_character(text: str) -> str | None:
    """The first character of `text` that XML cannot hold, None when there is none."""
    if text.isprintable():
        # Every character XML cannot hold is unprintable (a control, a surrogate, a
        # noncharacter): a C scan rules them out for nearly every cell.
        return None
    found = _NOT_XML.search(text)
    return found.group() if found else None


def clean(text: str) -> str:
    """`text` with every character XML cannot hold replaced by REPLACEMENT."""
    return _NOT_XML.sub(REPLACEMENT, text) if _NOT_XML.search(text) else text


def clean_xml(raw: bytes) -> bytes:
    """Raw XML with control bytes and references to characters XML forbids replaced by
    REPLACEMENT: a part copied from an upload that carried them is well-formed again."""
    # Nearly every part has neither a control byte nor a character reference: two scans
    # in C find that several times faster than the alternation of `_RAW_NOT_XML`.
    if raw.find(b"&#") < 0 and not _RAW_CONTROL.search(raw):
        return raw
    if not _RAW_NOT_XML.search(raw):
        return raw
    return _RAW_NOT_XML.sub(_raw_replacement, raw)


def _raw_replacement(match: re.Match[bytes]) -> bytes:
    reference = match.group(1)
    if reference is None:
        return _RAW_REPLACEMENT
    text = reference.decode()
    point = int(text[1:], 16) if text[0] in "xX" else int(text)
    if point > 0x10FFFF or _NOT_XML.match(chr(point)):
        return _RAW_REPLACEMENT
    return match.group()


def escape(text: str) -> str:
    """Text safe inside an element: markup escaped, characters XML forbids replaced."""
    if not _SPECIAL.search(text):
        return text
    return clean(_html_escape(text, quote=False))
