"""A child campaign's frozen rows are held to the parent's processed file on the server:
an edited frozen cell makes its row INVALID with IMMUTABLE_CELL_TAMPERED, whatever the
workbook's protection said."""

from project_factory.sheets.spec import FACILITY, USER
from tests.unit.sheets.support import facility, judge, user

FACILITY_ID = "HCM_ADMIN_CONSOLE_FACILITY_CODE"
USER_ID = "HCM_ADMIN_CONSOLE_USER_UUID"
CAPACITY = "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY"
BOUNDARY = "HCM_ADMIN_CONSOLE_BOUNDARY_CODE"


def _parent(**changes):
    """A row as the reader gives it from the parent's processed file (text and numbers)."""
    return facility(**{FACILITY_ID: "F-1", CAPACITY: "1200"} | changes)


def test_a_frozen_row_as_the_parent_has_it_is_skipped_with_its_id():
    # Given the parent's row, and the same row uploaded in the child's file
    # When it is validated against the parent's rows
    [verdict] = judge(FACILITY, facility(**{FACILITY_ID: "F-1"}), frozen_rows=[_parent()])
    # Then it is valid, not created again, and keeps its id (a number equals its text)
    assert verdict.errors == []
    assert (verdict.create, verdict.existing_id) == (False, "F-1")


def test_an_edited_frozen_cell_is_immutable_cell_tampered_with_the_column_and_old_value():
    # Given a frozen row whose capacity was changed after the protection was removed
    uploaded = facility(**{FACILITY_ID: "F-1", CAPACITY: 5000})
    # When it is validated
    [verdict] = judge(FACILITY, uploaded, frozen_rows=[_parent()])
    # Then the row is invalid, naming the code, the column, the old and the new value
    [error] = verdict.errors
    assert error.startswith("IMMUTABLE_CELL_TAMPERED: Capacity is frozen")
    assert "“1200”" in error and "“5000”" in error
    assert verdict.create is False


def test_every_edited_frozen_cell_is_reported():
    # Given a frozen row with its name changed and its type emptied
    uploaded = facility(**{FACILITY_ID: "F-1"}, name="Renamed", type=None)
    # When it is validated
    [verdict] = judge(FACILITY, uploaded, frozen_rows=[_parent()])
    # Then both cells are named (the empty type is also required)
    tampered = [error for error in verdict.errors if error.startswith("IMMUTABLE_CELL_TAMPERED")]
    assert len(tampered) == 2
    assert any("Facility Name" in error and "“Renamed”" in error for error in tampered)


def test_the_boundary_code_of_a_frozen_row_may_change():
    # Given a frozen row moved to another boundary, the one cell the template leaves open
    uploaded = facility(**{FACILITY_ID: "F-1", BOUNDARY: "LOC_B"})
    # When / Then it is not tampered
    [verdict] = judge(FACILITY, uploaded, frozen_rows=[_parent()])
    assert verdict.errors == []


def test_a_row_whose_id_the_parent_does_not_have_is_not_frozen():
    # Given a row the child created itself (its id is not in the parent's file)
    uploaded = facility(**{FACILITY_ID: "F-CHILD"}, capacity=7)
    # When / Then nothing is held against it
    [verdict] = judge(FACILITY, uploaded, frozen_rows=[_parent()])
    assert verdict.errors == []
    assert verdict.existing_id == "F-CHILD"


def test_a_frozen_users_password_column_is_not_compared():
    # Given the parent's user row (no password in a processed file) and the child's row
    # carrying the same user with its hidden password column filled
    parent = user(**{USER_ID: "U-1"})
    uploaded = user(**{USER_ID: "U-1", "HCM_ADMIN_CONSOLE_USER_PASSWORD": "typed-in"})
    # When / Then it is not tampered
    [verdict] = judge(USER, uploaded, frozen_rows=[parent])
    assert not [error for error in verdict.errors if "IMMUTABLE" in error]


def test_without_parent_rows_nothing_is_frozen():
    # Given an upload for a campaign without a parent
    # When a row carrying an id is validated without frozen rows
    [verdict] = judge(FACILITY, facility(**{FACILITY_ID: "F-1", CAPACITY: 5000}))
    # Then it is skipped as before
    assert verdict.errors == []
