import datetime
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from local.samples import workbook_from_rows
from project_factory.errors import InvalidRequestError
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.metadata import read_metadata
from project_factory.sheets.reader import iter_sheet_rows
from project_factory.sheets.spec import FACILITY, USER
from tests.unit.sheets.support import (
    facility,
    facility_file,
    handmade_xlsx,
    openpyxl_rows,
    read,
    user,
    worksheet,
)

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
CAPACITY = "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY"
#: Saved by LibreOffice Calc 7.4 (headless conversion of workbooks written by openpyxl):
#: shared strings, `t="n"` numbers, formulas with cached values, LibreOffice's styles.
DATA = Path(__file__).parent / "data"
FACILITIES_SHEET = "List of Available Facilities"


def workbook_bytes(sheet_title: str, *rows: list) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_rows_are_read_by_header_text_whatever_the_column_order():
    # Given a facility file whose columns are in reverse order
    row = facility()
    data = facility_file(row, columns=list(reversed(row)))

    # When it is read
    rows = read(data)

    # Then every value lands under its column code
    assert rows[0].values == row


def test_headers_in_another_bundled_locale_are_recognised():
    # Given a facility file written with French headers and sheet names
    data = facility_file(facility(), locale="fr_FR")

    # When it is read
    rows = read(data)

    # Then the row is read as from an English file
    assert rows[0].values[NAME] == "Chuabo Health Post"


def test_headers_are_matched_ignoring_case_and_spacing():
    # Given headers typed in other cases and with extra spaces
    data = workbook_bytes(
        "list of available facilities",
        [
            "  FACILITY   name",
            "capacity ",
            "Facility Type",
            "Facility Status",
            "Boundary Code",
            "facility usage",
        ],
        ["Depot", 10, "Warehouse", "Permanent", "LOC_A", "Active"],
    )

    # When it is read
    rows = read(data)

    # Then the columns are recognised
    assert rows[0].values[NAME] == "Depot"
    assert rows[0].values[CAPACITY] == 10


def test_the_header_row_is_found_below_title_rows_and_rows_keep_their_excel_numbers():
    # Given two title lines above the header
    data = facility_file(facility(), rows_above_header=["Facilities of Kalanga", "2024"])

    # When it is read
    rows = read(data)

    # Then the first data row is Excel row 4
    assert [row.row_number for row in rows] == [4]


def test_fully_empty_rows_are_skipped_without_renumbering():
    # Given a file with an empty row and a row of blanks between two rows
    blank = {NAME: "   "}
    data = facility_file(facility(), {}, blank, facility(name="Second"))

    # When it is read
    rows = read(data)

    # Then only the two real rows come back, with their own numbers
    assert [row.row_number for row in rows] == [2, 5]


def test_empty_cells_are_left_out_of_a_rows_values():
    # Given a row whose capacity is empty
    data = facility_file(facility(capacity=None))

    # When it is read
    rows = read(data)

    # Then the capacity is absent, not None
    assert CAPACITY not in rows[0].values


def test_unknown_columns_are_ignored():
    # Given a file with a column the schema does not know
    row = facility() | {"REMARKS": "call first"}
    data = facility_file(row, columns=list(row))

    # When it is read
    rows = read(data)

    # Then only known columns are read
    assert "REMARKS" not in rows[0].values


def test_a_workbook_without_the_data_sheet_is_an_invalid_request():
    # Given a workbook whose only sheet is not the facility sheet
    data = workbook_bytes("Sheet1", ["Facility Name"], ["Depot"])

    # When / Then reading it says which sheet is missing
    with pytest.raises(InvalidRequestError, match="List of Available Facilities") as raised:
        read(data)
    assert raised.value.code == "DATA_SHEET_MISSING"


def test_a_missing_required_header_is_an_invalid_request_naming_it():
    # Given a facility file without the capacity column
    row = facility(capacity=None)
    data = facility_file(row, columns=list(row))

    # When / Then reading it names the missing column by its header text
    with pytest.raises(InvalidRequestError, match="'Capacity'") as raised:
        read(data)
    assert raised.value.code == "REQUIRED_COLUMN_MISSING"


def test_a_sheet_without_any_known_header_is_an_invalid_request():
    # Given a facility sheet with unrelated headers
    data = workbook_bytes("List of Available Facilities", ["a", "b"], [1, 2])

    # When / Then
    with pytest.raises(InvalidRequestError, match="no known header"):
        read(data)


def test_a_column_twice_in_the_header_is_an_invalid_request():
    # Given a header with the facility name in English and in French
    row = facility()
    columns = [*row, "Nom de l'établissement"]
    data = facility_file(row, columns=columns)

    # When / Then reading it is refused: which copy holds the name is a guess
    with pytest.raises(InvalidRequestError, match="more than once"):
        read(data)


def test_a_file_that_is_not_a_workbook_is_an_invalid_request():
    # Given / When / Then
    with pytest.raises(InvalidRequestError, match="not a readable Excel workbook"):
        read(b"name,capacity\nDepot,10\n")


def test_a_binary_stream_is_read_like_bytes():
    # Given a facility file as a stream
    stream = io.BytesIO(facility_file(facility()))

    # When it is read
    rows = list(iter_sheet_rows(stream, FACILITY, load_bundled_messages()))

    # Then the row is there
    assert rows[0].values[NAME] == "Chuabo Health Post"


def test_the_layout_is_checked_before_any_row_is_asked_for():
    # Given a file without the required capacity column
    row = facility(capacity=None)
    data = facility_file(row, columns=list(row))

    # When / Then the call itself fails, not the first iteration
    with pytest.raises(InvalidRequestError):
        iter_sheet_rows(data, FACILITY, load_bundled_messages())


def test_each_type_reads_its_own_data_sheet():
    # Given a user file
    data = workbook_from_rows(USER, [user()])

    # When it is read as users, and as facilities
    rows = read(data, USER)

    # Then users are found; the facility sheet is not there
    assert rows[0].values["HCM_ADMIN_CONSOLE_USER_NAME"] == "Amina Mabunda"
    with pytest.raises(InvalidRequestError):
        read(data, FACILITY)


def test_hidden_metadata_is_read_when_present():
    # Given a sample file, which carries hidden metadata
    data = facility_file(facility(), locale="fr_FR")

    # When its metadata is read
    metadata = read_metadata(data)

    # Then it says what the file is for
    assert metadata == {"type": "facility", "locale": "fr_FR"}


def test_a_workbook_without_metadata_has_none():
    # Given / When / Then
    assert read_metadata(workbook_bytes("Sheet1", ["x"])) == {}


def read_every_column(data: bytes, columns: list[str], title: str = FACILITIES_SHEET) -> list:
    """(row number, header text -> value) of each data row, read by iter_sheet_rows with a
    schema whose columns are the header texts themselves."""
    schema = {"type": "object", "properties": {c: {} for c in columns}, "x-columns": columns}
    spec = FACILITY
    if title != FACILITIES_SHEET:
        spec = type(FACILITY)(**{**FACILITY.__dict__, "data_sheet": title})
    rows = iter_sheet_rows(data, spec, load_bundled_messages(), json_schema=schema)
    return [(row.row_number, row.values) for row in rows]


def as_openpyxl_read_them(data: bytes, title: str = FACILITIES_SHEET) -> list:
    """The same, from openpyxl's read-only mode (header on row 1, blank rows left out)."""
    (_, header), *rows = openpyxl_rows(data, title)
    return [
        (number, {header[c].strip(): value for c, value in cells.items() if c in header})
        for number, cells in rows
        if not all(isinstance(value, str) and not value.strip() for value in cells.values())
    ]


def test_a_libreoffice_file_reads_as_openpyxl_read_it():
    # Given a workbook saved by LibreOffice: dates, times, a duration, booleans, formulas,
    # a float written 1E+020, rich text, blank text, gaps and a cell far to the right
    data = (DATA / "libreoffice_varied.xlsx").read_bytes()
    columns = ["Facility Name", "Capacity", "When", "Flag", "Time", "Note"]

    # When it is read
    rows = read_every_column(data, columns)

    # Then every value is the one openpyxl gave, of the same type
    expected = as_openpyxl_read_them(data)
    assert rows == expected
    assert [type(value) for value in rows[0][1].values()] == [
        str,
        int,
        datetime.datetime,
        bool,
        datetime.time,
        str,
    ]


def test_an_openpyxl_file_with_inline_strings_reads_as_openpyxl_read_it():
    # Given a workbook written by openpyxl (inline strings) with values of every kind
    book = Workbook()
    sheet = book.active
    sheet.title = FACILITIES_SHEET
    sheet.append(["Facility Name", "Capacity", "When", "Flag", "Time"])
    bold = CellRichText([TextBlock(InlineFont(b=True), "Bold"), " & plain <x>"])
    sheet.append([bold, 12, datetime.datetime(2024, 3, 1, 10, 30), True, datetime.time(8, 15)])
    sheet.append(["  padded\nlines ", 12.5, datetime.date(2023, 12, 31), False, 0.25])
    sheet.append([None, -1e-7, datetime.timedelta(hours=30), None, "=1+1"])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()

    # When it is read
    rows = read_every_column(data, ["Facility Name", "Capacity", "When", "Flag", "Time"])

    # Then every value is the one openpyxl gave
    assert rows == as_openpyxl_read_them(data)


EXCEL_STYLES = (
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>'
    '<xf numFmtId="46"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
)
#: Shared strings as Excel writes them: rich runs, a phonetic run (not text), escapes.
EXCEL_SHARED = [
    "<t>Facility Name</t>",
    '<t xml:space="preserve">Capacity </t>',
    "<t>When</t>",
    '<r><rPr><b/></rPr><t>Rich</t></r><r><t xml:space="preserve"> text</t></r>',
    '<t>Tokyo</t><rPh sb="0" eb="1"><t>TOUKYOU</t></rPh>',
    "<t>a &amp; b &lt;c&gt; &#233;&#x4e2d; _x005F_x000D_</t>",
    "<t>   </t>",
    "<t/>",
]


def excel_like_sheet(prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    rows = (
        f'<{p}row r="1" spans="1:3" x14ac:dyDescent="0.25">'
        f'<{p}c r="A1" t="s"><{p}v>0</{p}v></{p}c><{p}c r="B1" t="s"><{p}v>1</{p}v></{p}c>'
        f'<{p}c r="C1" t="s"><{p}v>2</{p}v></{p}c></{p}row>'
        # a row without r, cells without r
        f'<{p}row><{p}c t="s"><{p}v>3</{p}v></{p}c><{p}c><{p}v>42</{p}v></{p}c>'
        f'<{p}c s="1"><{p}v>45292</{p}v></{p}c></{p}row>'
        f'<{p}row r="4"><{p}c r="A4" t="s"><{p}v>4</{p}v></{p}c>'
        f'<{p}c r="B4" t="n"><{p}v>1E+20</{p}v></{p}c>'
        f'<{p}c r="C4" s="2"><{p}v>45292.75</{p}v></{p}c></{p}row>'
        f'<{p}row r="5"><{p}c r="A5" t="s"><{p}v>5</{p}v></{p}c>'
        f'<{p}c r="B5" t="b"><{p}f>TRUE()</{p}f><{p}v>1</{p}v></{p}c>'
        f'<{p}c r="C5" s="3"><{p}v>1.25</{p}v></{p}c></{p}row>'
        f'<{p}row r="6"><{p}c r="A6" t="str"><{p}f>"x"&amp;"y"</{p}f><{p}v>xy</{p}v></{p}c>'
        f'<{p}c r="B6" t="e"><{p}v>#DIV/0!</{p}v></{p}c><{p}c r="C6" s="1"/></{p}row>'
        f'<{p}row r="7"><{p}c r="A7" t="inlineStr"><{p}is><{p}r><{p}t>in</{p}t></{p}r>'
        f'<{p}r><{p}t xml:space="preserve">line </{p}t></{p}r></{p}is></{p}c>'
        f'<{p}c r="B7" t="d"><{p}v>2024-02-29T08:00:00</{p}v></{p}c>'
        f'<{p}c r="C7" t="s"><{p}v>6</{p}v></{p}c></{p}row>'
        f'<{p}row r="8"><{p}c r="A8" t="s"><{p}v>7</{p}v></{p}c><{p}c r="B8"><{p}v></{p}v></{p}c>'
        f"</{p}row>"
    )
    return worksheet(rows, prefix=prefix)


@pytest.mark.parametrize("prefix", ["", "x"])
def test_an_excel_like_file_reads_as_openpyxl_read_it(prefix):
    # Given a workbook laid out as Excel writes it: shared strings, rich and phonetic runs,
    # escapes, rows and cells without r, dates by built-in and custom formats, a duration,
    # formula results, an error, an ISO date cell, blank strings (with and without a
    # namespace prefix on the elements)
    data = handmade_xlsx(
        {FACILITIES_SHEET: excel_like_sheet(prefix)}, shared=EXCEL_SHARED, styles=EXCEL_STYLES
    )

    # When it is read
    rows = read_every_column(data, ["Facility Name", "Capacity", "When"])

    # Then every value is the one openpyxl gave
    assert rows == as_openpyxl_read_them(data)
    assert rows[0] == (
        2,
        {"Facility Name": "Rich text", "Capacity": 42, "When": datetime.datetime(2024, 1, 1)},
    )


def test_dates_of_a_1904_workbook_count_from_1904():
    # Given a Mac workbook (1904 date system) with a date cell
    data = handmade_xlsx(
        {FACILITIES_SHEET: excel_like_sheet()},
        shared=EXCEL_SHARED,
        styles=EXCEL_STYLES,
        date1904=True,
    )

    # When it is read
    rows = read_every_column(data, ["Facility Name", "Capacity", "When"])

    # Then the dates are the ones openpyxl gave
    assert rows == as_openpyxl_read_them(data)
    assert rows[0][1]["When"] == datetime.datetime(2028, 1, 2)


def test_a_sheet_cut_short_is_an_invalid_request():
    # Given a workbook whose data sheet ends in the middle of its rows
    sheet = worksheet('<row r="1"><c r="A1" t="inlineStr"><is><t>Facility Name</t></is></c></row>')
    data = handmade_xlsx({FACILITIES_SHEET: sheet[: sheet.index("</sheetData>")]})

    # When / Then reading it says the file is unreadable
    with pytest.raises(InvalidRequestError, match="not a readable Excel workbook"):
        read_every_column(data, ["Facility Name"])


def test_a_damaged_zip_is_an_invalid_request():
    # Given a workbook whose bytes were damaged in transit
    data = bytearray(facility_file(*[facility(name=f"F{n}") for n in range(50)]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet2.xml")
    start = sheet.header_offset + 30 + len(sheet.filename)
    data[start + 100 : start + 400] = bytes(300)

    # When / Then reading it says the file is unreadable, whenever it is noticed
    with pytest.raises(InvalidRequestError, match="not a readable Excel workbook"):
        list(iter_sheet_rows(bytes(data), FACILITY, load_bundled_messages()))
