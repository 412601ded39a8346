import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from project_factory.domain.resources import RowStatus
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.processed import write_processed
from project_factory.sheets.processed_results import RowResult
from project_factory.sheets.spec import FACILITY, USER
from tests.unit.sheets.support import (
    facility,
    facility_file,
    handmade_xlsx,
    read,
    user,
    user_file,
    worksheet,
)

MESSAGES = load_bundled_messages()
DATA_SHEET = "List of Available Facilities"
DATA_PART = "xl/worksheets/sheet2.xml"
HANDMADE_PART = "xl/worksheets/sheet1.xml"
#: Saved by LibreOffice Calc 7.4 from a 40-row sample: shared strings, LibreOffice's
#: `<col>` attributes, a yellow cell, a dropdown on G2:G100, a protected data sheet,
#: column H hidden and a note in L5.
LIBREOFFICE_FILE = Path(__file__).parent / "data" / "libreoffice_facilities.xlsx"


def process(data: bytes, results: dict, spec=FACILITY, locale="en_IN") -> bytes:
    target = io.BytesIO()
    write_processed(data, spec, sorted(results.items()), MESSAGES, locale, target)
    return target.getvalue()


def sheet_rows(data: bytes, title: str = DATA_SHEET) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data))[title].iter_rows(values_only=True))


def three_facilities() -> bytes:
    return facility_file(facility(name="A"), facility(name="B"), facility(name="C"))


def created(row_id: str) -> RowResult:
    return RowResult(RowStatus.CREATED, id=row_id)


def test_every_data_row_appears_once_with_its_status():
    # Given three rows: created, invalid and skipped
    results = {
        2: created("F-1"),
        3: RowResult(RowStatus.INVALID, errors=["Capacity is required"]),
        4: RowResult(RowStatus.SKIPPED),
    }

    # When the processed file is written
    rows = sheet_rows(process(three_facilities(), results))

    # Then each name is there once, in place, with its status
    names = Counter(row[1] for row in rows[1:])
    assert names == {"A": 1, "B": 1, "C": 1}
    assert [row[-2] for row in rows[1:]] == ["CREATED", "INVALID", "SKIPPED"]


def test_status_columns_are_appended_after_the_last_used_column():
    # Given a facility file of 7 columns
    # When it is processed
    header = sheet_rows(process(three_facilities(), {2: created("F-1")}))[0]

    # Then #status# and #errorDetails# are columns 8 and 9
    assert header[7:] == ("#status#", "#errorDetails#")


def test_status_columns_go_after_data_beyond_the_header():
    # Given a row with a note in an unlabelled column after the header
    book = load_workbook(io.BytesIO(three_facilities()))
    book[DATA_SHEET].cell(2, 9, "note")
    buffer = io.BytesIO()
    book.save(buffer)

    # When it is processed
    header = sheet_rows(process(buffer.getvalue(), {}))[0]

    # Then the note's column is left alone
    assert header[9:] == ("#status#", "#errorDetails#")


def test_errors_are_joined_with_semicolons():
    # Given a row with two errors
    results = {2: RowResult(RowStatus.INVALID, errors=["first", "second"])}

    # When it is processed
    rows = sheet_rows(process(facility_file(facility()), results))

    # Then they share the error cell
    assert rows[1][-1] == "first; second"


def test_the_id_and_username_columns_are_filled_and_the_password_column_left_empty():
    # Given a created user with a username (and, from an outcome of before, a password)
    result = RowResult(
        RowStatus.CREATED, id="uuid-1", output={"username": "AMINA01", "password": "s3cret!A"}
    )

    # When it is processed
    data = process(user_file(user()), {2: result}, USER)

    # Then the uuid and username columns hold them, the password column is there but empty,
    # and the password is nowhere in the file
    header, row = sheet_rows(data, "Create List of Users")[:2]
    values = dict(zip(header, row, strict=True))
    assert values["User Service UUID"] == "uuid-1"
    assert values["Username"] == "AMINA01"
    assert "Password" in values and values["Password"] is None
    assert not any(b"s3cret!A" in part for part in _parts(data))


def test_a_password_the_upload_carried_is_emptied():
    # Given a processed file of before (its password column filled) uploaded again
    old = user(
        HCM_ADMIN_CONSOLE_USER_PASSWORD="0ld-Pass@word", HCM_ADMIN_CONSOLE_USER_USERNAME="A1"
    )

    # When it is processed with the row skipped (the user exists)
    data = process(user_file(old), {2: RowResult(RowStatus.SKIPPED, id="uuid-1")}, USER)

    # Then the username stays and the password cell is empty
    header, row = sheet_rows(data, "Create List of Users")[:2]
    values = dict(zip(header, row, strict=True))
    assert values["Username"] == "A1"
    assert values["Password"] is None
    assert not any(b"0ld-Pass@word" in part for part in _parts(data))


def _parts(data: bytes) -> list[bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [archive.read(name) for name in archive.namelist()]


def test_a_missing_id_column_is_appended_before_the_status_columns():
    # Given a facility file without the id column
    row = facility()
    data = facility_file(row, columns=list(row))

    # When a created row is processed
    rows = sheet_rows(process(data, {2: created("F-9")}))

    # Then the id column is added, then the status columns
    assert rows[0][-3:] == ("Facility Code", "#status#", "#errorDetails#")
    assert rows[1][-3:] == ("F-9", "CREATED", None)


def test_other_sheets_styles_validations_and_hidden_columns_survive():
    # Given a file with a styled header, a fill, a dropdown and a protected sheet
    book = load_workbook(io.BytesIO(three_facilities()))
    sheet = book[DATA_SHEET]
    sheet["B2"].fill = PatternFill("solid", fgColor="FFFF00")
    dropdown = DataValidation(type="list", formula1='"Active,Inactive"')
    dropdown.add("G2:G100")
    sheet.add_data_validation(dropdown)
    sheet.protection.sheet = True
    buffer = io.BytesIO()
    book.save(buffer)

    # When it is processed
    processed = load_workbook(io.BytesIO(process(buffer.getvalue(), {2: created("F-1")})))

    # Then everything the administrator had is still there
    sheet = processed[DATA_SHEET]
    assert processed.sheetnames[0] == "Read Me"
    assert processed["Read Me"]["A1"].value == "How to fill this workbook"
    assert sheet["A1"].font.b is True
    assert sheet["B2"].fill.fgColor.rgb == "00FFFF00"
    assert [str(v.sqref) for v in sheet.data_validations.dataValidation] == ["G2:G100"]
    assert sheet.protection.sheet is True
    assert sheet.column_dimensions["A"].hidden is True


def test_appended_headers_look_like_the_existing_ones():
    # Given a file whose header is bold
    # When it is processed
    book = load_workbook(io.BytesIO(process(three_facilities(), {})))

    # Then the new header cells are bold too
    assert book[DATA_SHEET]["H1"].font == Font(bold=True)


def test_columns_already_present_are_reused_and_stale_errors_cleared():
    # Given a file processed once, with an invalid row
    first = process(three_facilities(), {2: RowResult(RowStatus.INVALID, errors=["bad"])})

    # When the processed file is processed again, the row now created
    again = sheet_rows(process(first, {2: created("F-1")}))

    # Then no column was added and the old error is gone
    assert len(again[0]) == len(sheet_rows(first)[0])
    assert again[1][0] == "F-1"
    assert again[1][-2:] == ("CREATED", None)


def test_hidden_status_columns_are_shown():
    # Given a file whose template hid the status column
    first = process(three_facilities(), {})
    book = load_workbook(io.BytesIO(first))
    book[DATA_SHEET].column_dimensions["H"].hidden = True
    buffer = io.BytesIO()
    book.save(buffer)

    # When it is processed
    book = load_workbook(io.BytesIO(process(buffer.getvalue(), {})))

    # Then the status column is visible
    assert book[DATA_SHEET].column_dimensions["H"].hidden is False


def test_a_row_without_result_is_marked_failed():
    # Given results for the first row only
    # When the file is processed
    rows = sheet_rows(process(three_facilities(), {2: created("F-1")}))

    # Then the others say no outcome was recorded
    assert rows[2][-2:] == ("FAILED", "No outcome was recorded for this row")


def test_the_header_is_written_in_the_requested_locale():
    # Given a facility file without id column, processed for a French administrator
    row = facility()
    data = facility_file(row, columns=list(row))

    # When it is processed
    header = sheet_rows(process(data, {}, locale="fr_FR"))[0]

    # Then the added id header is French
    assert header[-3] == "Code de l'établissement"


def test_the_processed_file_reads_back_with_the_same_rows():
    # Given a file with an empty row in the middle
    data = facility_file(facility(name="A"), {}, facility(name="C"))

    # When it is processed and read again
    again = read(process(data, {2: created("F-1"), 4: created("F-3")}))

    # Then the same rows come back, with their ids
    assert [(row.row_number, row.values["HCM_ADMIN_CONSOLE_FACILITY_CODE"]) for row in again] == [
        (2, "F-1"),
        (4, "F-3"),
    ]


def test_an_output_the_type_does_not_have_is_refused():
    # Given a facility result with a username
    result = RowResult(RowStatus.CREATED, id="F-1", output={"username": "x"})

    # When / Then writing it is a programming error
    with pytest.raises(ValueError, match="username"):
        process(facility_file(facility()), {2: result})


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def results_for(rows: range) -> list[tuple[int, RowResult]]:
    return [(number, created(f"F-{number}")) for number in rows]


def test_parts_other_than_the_data_sheet_are_copied_byte_for_byte():
    # Given a file saved by LibreOffice, with a readme, a hidden metadata sheet, styles
    # and shared strings
    data = LIBREOFFICE_FILE.read_bytes()

    # When it is processed
    before, after = parts(data), parts(process(data, dict(results_for(range(2, 42)))))

    # Then every part but the data sheet is the same, in the same order
    assert list(after) == list(before)
    assert {n: b for n, b in after.items() if n != DATA_PART} == {
        n: b for n, b in before.items() if n != DATA_PART
    }


def test_the_data_sheet_keeps_its_views_validations_protection_and_untouched_cells():
    # Given the LibreOffice file
    data = LIBREOFFICE_FILE.read_bytes()
    sheet = parts(data)[DATA_PART]

    # When it is processed
    processed = parts(process(data, dict(results_for(range(2, 42)))))[DATA_PART]

    # Then what follows the rows is unchanged, so are the views and the cells not written
    assert processed[processed.index(b"</sheetData>") :] == sheet[sheet.index(b"</sheetData>") :]
    views = re.compile(rb"<sheetViews>.*</sheetViews>")
    assert views.search(processed).group() == views.search(sheet).group()
    untouched = re.findall(rb'<c r="[B-G]\d+"[^>]*?(?:/>|>.*?</c>)', sheet)
    assert len(untouched) > 200
    assert re.findall(rb'<c r="[B-G]\d+"[^>]*?(?:/>|>.*?</c>)', processed) == untouched


def test_a_libreoffice_file_gets_its_ids_statuses_and_columns():
    # Given the LibreOffice file, whose last used column is L (a note in L5)
    data = LIBREOFFICE_FILE.read_bytes()
    results = {2: created("F-2"), 3: RowResult(RowStatus.INVALID, errors=["bad & <worse>"])}

    # When it is processed
    processed = process(data, results)

    # Then the statuses go to M and N, ids and errors in place, the rest still there
    book = load_workbook(io.BytesIO(processed))
    sheet = book[DATA_SHEET]
    assert (sheet["M1"].value, sheet["N1"].value) == ("#status#", "#errorDetails#")
    assert [sheet["A2"].value, sheet["M2"].value, sheet["N2"].value] == ["F-2", "CREATED", None]
    assert [sheet["M3"].value, sheet["N3"].value] == ["INVALID", "bad & <worse>"]
    assert sheet["M4"].value == "FAILED"
    assert sheet["L5"].value == "note far right"
    assert sheet.protection.sheet is True
    assert [str(v.sqref) for v in sheet.data_validations.dataValidation] == ["G2:G100"]
    assert sheet["B2"].fill.fgColor.rgb == "FFFFFF00"
    assert sheet.column_dimensions["H"].hidden is True
    assert sheet.column_dimensions["N"].width == 60


def test_the_dimension_and_columns_grow_to_the_added_columns():
    # Given a file whose last column, G, is part of a column range reaching far right
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Facility Code</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Facility Name</t></is></c>'
        '<c r="G1" t="inlineStr"><is><t>Capacity</t></is></c></row>'
        '<row r="2"><c r="B2" t="inlineStr"><is><t>Depot</t></is></c></row>'
    )
    cols = (
        '<cols><col min="1" max="1" width="9" hidden="1"/>'
        '<col min="2" max="1024" width="11"/></cols>'
    )
    sheet = worksheet(rows, before=f'<dimension ref="A1:G2"/>{cols}')
    data = handmade_xlsx({DATA_SHEET: sheet})

    # When it is processed
    processed = parts(process(data, {2: created("F-1")}))[HANDMADE_PART]

    # Then the dimension reaches I and the range is split around the status columns
    assert b'<dimension ref="A1:I2"/>' in processed
    assert re.search(rb"<cols>.*</cols>", processed).group() == (
        b'<cols><col min="1" max="1" width="9" hidden="1"/><col min="2" max="7" width="11"/>'
        b'<col min="8" max="8" width="14" customWidth="1"/>'
        b'<col min="9" max="9" width="60" customWidth="1"/>'
        b'<col min="10" max="1024" width="11"/></cols>'
    )


def test_an_excel_like_file_with_a_header_below_titles_is_filled_in_place():
    # Given a file as Excel writes it: shared strings, a title row above the header, rows
    # and cells without r, sparse rows, spans and a namespace prefix
    shared = ["<t>Facilities</t>", "<t>Facility Name</t>", "<t>Capacity</t>", "<t>A</t>"]
    rows = (
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row>'
        '<x:row r="2" spans="2:3"><x:c r="B2" t="s"><x:v>1</x:v></x:c>'
        '<x:c r="C2" t="s"><x:v>2</x:v></x:c></x:row>'
        '<x:row spans="2:3"><x:c r="B3" t="s"><x:v>3</x:v></x:c><x:c><x:v>10</x:v></x:c></x:row>'
        '<x:row r="5" spans="3:3" x14ac:dyDescent="0.25"><x:c r="C5"><x:v>20</x:v></x:c></x:row>'
    )
    data = handmade_xlsx({DATA_SHEET: worksheet(rows, prefix="x")}, shared=shared)

    # When rows 3 and 5 are processed
    results = {3: created("F-3"), 5: RowResult(RowStatus.INVALID, errors=["no name"])}
    processed = process(data, results)

    # Then the header gets the columns, each row its outcome, in its place
    sheet = load_workbook(io.BytesIO(processed))[DATA_SHEET]
    added = ["Facility Code", "#status#", "#errorDetails#"]
    assert [c.value for c in sheet[2]] == [None, "Facility Name", "Capacity", *added]
    assert [c.value for c in sheet[3]] == [None, "A", 10, "F-3", "CREATED", None]
    assert [c.value for c in sheet[5]] == [None, None, 20, None, "INVALID", "no name"]
    assert b'<x:row spans="2:6">' in parts(processed)[HANDMADE_PART]


def test_a_file_with_inline_strings_reads_back_with_its_outcomes():
    # Given a file written with inline strings only (no shared strings part)
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Facility Name</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Capacity</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Depot</t></is></c>'
        '<c r="B2" t="n"><v>5</v></c></row>'
    )
    data = handmade_xlsx({DATA_SHEET: worksheet(rows)})

    # When it is processed
    processed = process(data, {2: created("F-1")})

    # Then the row reads back with its id and status
    sheet = load_workbook(io.BytesIO(processed))[DATA_SHEET]
    assert [c.value for c in sheet[2]] == ["Depot", 5, "F-1", "CREATED", None]


def test_results_are_consumed_as_a_stream():
    # Given results produced one at a time
    produced = []

    def results():
        for number in (2, 3, 4):
            produced.append(number)
            yield number, created(f"F-{number}")

    # When the file is processed
    target = io.BytesIO()
    write_processed(three_facilities(), FACILITY, results(), MESSAGES, "en_IN", target)

    # Then every row got its result
    assert produced == [2, 3, 4]
    assert [row[0] for row in sheet_rows(target.getvalue())[1:]] == ["F-2", "F-3", "F-4"]


def test_results_out_of_order_are_refused():
    # Given results whose rows go backwards
    results = [(3, created("F-3")), (2, created("F-2"))]

    # When / Then writing is refused: a row would silently lose its result
    with pytest.raises(ValueError, match="ascending"):
        write_processed(three_facilities(), FACILITY, results, MESSAGES, "en_IN", io.BytesIO())


def test_text_that_xml_cannot_hold_is_escaped():
    # Given an error with markup and a control character
    result = RowResult(RowStatus.INVALID, errors=["a < b & c\x01"])

    # When it is processed
    rows = sheet_rows(process(facility_file(facility()), {2: result}))

    # Then it reads back, the control character replaced: nothing we write carries one
    assert rows[1][-1] == "a < b & c\ufffd"
