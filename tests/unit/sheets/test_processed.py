import io
from collections import Counter

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from project_factory.models import RowStatus
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.processed import RowResult, write_processed
from project_factory.sheets.spec import FACILITY, USER
from tests.unit.sheets.support import facility, facility_file, read, user, user_file

MESSAGES = load_bundled_messages()
DATA_SHEET = "List of Available Facilities"


def process(data: bytes, results: dict, spec=FACILITY, locale="en_IN") -> bytes:
    return write_processed(data, spec, results, MESSAGES, locale)


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


def test_the_id_and_output_columns_are_filled():
    # Given a created user with a username and password
    result = RowResult(
        RowStatus.CREATED, id="uuid-1", output={"username": "AMINA01", "password": "s3cret!A"}
    )

    # When it is processed
    rows = sheet_rows(process(user_file(user()), {2: result}, USER), "Create List of Users")

    # Then the uuid, username and password columns hold them
    header, row = rows[0], rows[1]
    values = dict(zip(header, row, strict=True))
    assert values["User Service UUID"] == "uuid-1"
    assert values["Username"] == "AMINA01"
    assert values["Password"] == "s3cret!A"


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
