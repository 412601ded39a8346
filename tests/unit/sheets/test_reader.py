import io

import pytest
from openpyxl import Workbook

from local.samples import workbook_from_rows
from project_factory.errors import InvalidRequestError
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.metadata import read_metadata
from project_factory.sheets.reader import iter_sheet_rows
from project_factory.sheets.spec import FACILITY, USER
from tests.unit.sheets.support import facility, facility_file, read, user

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
CAPACITY = "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY"


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
