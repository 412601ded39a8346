import pytest

from project_factory.sheets.xlsx_text import clean_xml
from project_factory.sheets.xml_copy import cleaned


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"<c><v>1</v></c>",
        b"\t\n\r plain",
        *(b"<t>a%sb</t>" % bytes([byte]) for byte in range(0x20)),
        b"<t>&#1;</t>",
        b"<t>&#x1F;</t>",
        b"<t>&#65;</t>",
        b"<t>&amp;#1;</t>",
        b"\x7f\x80\xff",
    ],
)
def test_the_quick_clean_gives_what_clean_xml_gives(raw):
    # Given XML with or without what XML cannot carry
    # When it is cleaned the quick way / Then it is what clean_xml gives
    assert cleaned(raw) == clean_xml(raw)
