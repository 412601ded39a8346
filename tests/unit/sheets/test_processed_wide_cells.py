import io
import re

import pytest
from openpyxl import load_workbook

from project_factory.domain.resources import RowStatus
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.processed import write_processed
from project_factory.sheets.processed_results import RowResult
from project_factory.sheets.processed_wide_cells import WideCells, letters_up_to
from project_factory.sheets.spec import FACILITY
from project_factory.sheets.xlsx_references import column_letters
from tests.unit.sheets.support import handmade_xlsx, worksheet

MESSAGES = load_bundled_messages()
DATA_SHEET = "List of Available Facilities"
ROWS = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Facility Name</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Capacity</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>Depot</t></is></c>'
    '<c r="B2" s="0" t="n"><v>5</v></c></row>'
)


@pytest.mark.parametrize("last", [*range(1, 60), 675, 676, 677, 702, 703, 704, 16383, 16384])
def test_the_letters_of_columns_up_to_the_last_are_those_and_no_others(last):
    # Given the pattern of the columns up to `last`
    pattern = re.compile(letters_up_to(last))

    # When every column of three letters or fewer is tried
    matched = [n for n in range(1, 18279) if pattern.fullmatch(column_letters(n).encode())]

    # Then exactly columns 1 to `last` match
    assert matched == list(range(1, last + 1))


@pytest.mark.parametrize(
    ("cell", "found"),
    [
        (b'<c r="B9" s="1" t="n"><v>5</v></c>', False),
        (b'<c r="A9"/>', False),
        (b'<c r="C9"><v>5</v></c>', True),
        (b"<c><v>5</v></c>", True),
        (b'<c r="b9"/>', True),
        (b"<c r='B9'/>", True),
        (b'<c t="n" r="B9"/>', True),
        (b'<c r="B9" cm="1"/>', True),
        (b'<c\tr="B9"/>', True),
        (b'<c\nr="A9"><v>5</v></c>', True),
    ],
)
def test_a_cell_is_wide_unless_excel_wrote_it_within_the_columns(cell, found):
    # Given a row holding the cell, in a sheet whose header ends at column B
    xml = b'<row r="9">' + cell + b"</row>"

    # When / Then it is found whichever chunks the XML comes in
    for cut in range(len(xml) + 1):
        assert WideCells(b"", 2).found_in([xml[:cut], xml[cut:]]) is found, cut


def test_a_tag_left_open_at_the_end_is_left_to_the_full_pass():
    assert WideCells(b"", 2).found_in([b'<row r="9"><c r="A9"', b""]) is True


def test_a_sheet_within_its_header_gets_its_status_columns_after_it():
    # Given a sheet whose cells all lie within the header's columns
    data = handmade_xlsx({DATA_SHEET: worksheet(ROWS)})

    # When it is processed
    target = io.BytesIO()
    result = RowResult(RowStatus.CREATED, id="F-2")
    write_processed(data, FACILITY, [(2, result)], MESSAGES, "en_IN", target)

    # Then the written columns follow the header
    sheet = load_workbook(target)[DATA_SHEET]
    assert [c.value for c in sheet[1]][2:] == ["Facility Code", "#status#", "#errorDetails#"]
    assert [c.value for c in sheet[2]] == ["Depot", 5, "F-2", "CREATED", None]


def test_a_value_past_the_header_in_a_cell_without_reference_moves_the_status_columns():
    # Given a row whose third cell names no column: it follows B, in column C
    rows = ROWS.replace("<v>5</v></c></row>", "<v>5</v></c><c t='n'><v>7</v></c></row>")
    data = handmade_xlsx({DATA_SHEET: worksheet(rows)})

    # When it is processed
    target = io.BytesIO()
    write_processed(data, FACILITY, [], MESSAGES, "en_IN", target)

    # Then the written columns come after it
    sheet = load_workbook(target)[DATA_SHEET]
    assert [c.value for c in sheet[1]][3:] == ["Facility Code", "#status#", "#errorDetails#"]
