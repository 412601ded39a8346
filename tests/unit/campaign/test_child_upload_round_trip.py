"""A filled child template uploads through the reader and validator as they are: the
parent's frozen rows are recognised by their ids, the new rows are to create."""

import pytest

from project_factory.sheets.messages import normalise_text
from project_factory.sheets.reader import iter_sheet_rows
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import BOUNDARY_CODE_COLUMN, FACILITY, USER
from project_factory.sheets.validation import RowValidator
from tests.support.libreoffice import requires_soffice, resave
from tests.unit.campaign.support import (
    MESSAGES,
    NEW_DISTRICTS,
    PARENT_DISTRICTS,
    below,
    generated,
    localities,
    open_book,
    parent_and_child,
    put_parent_facilities,
    put_parent_users,
)
from tests.unit.generate.support import save

NEW_USERS = [
    {
        "HCM_ADMIN_CONSOLE_USER_NAME": "Amina Mabunda",
        "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": 9876543210,
        "HCM_ADMIN_CONSOLE_USER_ROLE": "Registrar",
        "HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE": "Temporary",
        "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": localities(NEW_DISTRICTS[0], 1)[0],
        "HCM_ADMIN_CONSOLE_USER_USAGE": "Active",
    },
    {
        "HCM_ADMIN_CONSOLE_USER_NAME": "Joao Cossa",
        "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": "9123456780",
        "HCM_ADMIN_CONSOLE_USER_ROLE": "Supervisor",
        "HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE": "Permanent",
        "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": NEW_DISTRICTS[1],
        "HCM_ADMIN_CONSOLE_USER_USAGE": "Active",
    },
]
NEW_FACILITY = {
    "HCM_ADMIN_CONSOLE_FACILITY_NAME": "Kolo Health Post",
    "HCM_ADMIN_CONSOLE_FACILITY_TYPE": "Health Facility",
    "HCM_ADMIN_CONSOLE_FACILITY_STATUS": "Temporary",
    "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY": 1200,
    "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": localities(NEW_DISTRICTS[0], 1)[0],
    "HCM_ADMIN_CONSOLE_FACILITY_USAGE": "Active",
}


def fill(data, spec, first_row, rows):
    """Type rows (column code -> value) under their headers, found by their text."""
    book = open_book(data)
    sheet = book[MESSAGES.text(spec.data_sheet)]
    columns = {normalise_text(str(cell.value)): cell.column for cell in sheet[1] if cell.value}
    for offset, row in enumerate(rows):
        for code, value in row.items():
            sheet.cell(first_row + offset, columns[normalise_text(MESSAGES.text(code))], value)
    return save(book)


def verdicts(data, spec):
    validator = RowValidator(
        bundled_json_schema(spec.schema_identifier),
        spec,
        phone_length=10,
        allowed_boundary_codes=below([*PARENT_DISTRICTS, *NEW_DISTRICTS]),
    )
    return list(validator.validate_all(iter_sheet_rows(data, spec, MESSAGES)))


@pytest.fixture
def user_template(services):
    """The child's user template, the parent having created three users (rows 2 to 4)."""
    parent_and_child(services)
    put_parent_users(services)
    return generated(services, "userWithBoundary")


def test_frozen_users_are_skipped_with_their_ids_and_new_users_are_created(user_template):
    # Given the child's user template with two new users typed below the frozen rows
    data = fill(user_template, USER, 5, NEW_USERS)

    # When it is read and validated as a user upload
    judged = verdicts(data, USER)

    # Then all five are valid; the parent's are existing, with their ids; the new to create
    assert [verdict.errors for verdict in judged] == [[]] * 5
    assert [(v.create, v.existing_id) for v in judged] == [
        (False, "uuid-0"),
        (False, "uuid-1"),
        (False, "uuid-2"),
        (True, None),
        (True, None),
    ]


def test_a_moved_frozen_row_is_read_with_its_new_boundary_not_the_old_one(user_template):
    # Given the child's template where the first parent user is moved to a new district
    data = fill(user_template, USER, 2, [{BOUNDARY_CODE_COLUMN: NEW_DISTRICTS[0]}])

    # When it is read and validated
    first = verdicts(data, USER)[0]

    # Then the fresh boundary column is read (the hidden _OLD one is not a column of the
    # schema) and the user is still the existing one
    assert first.canonical["boundaryCodes"] == [NEW_DISTRICTS[0]]
    assert (first.create, first.existing_id) == (False, "uuid-0")


def test_frozen_facilities_are_skipped_with_their_ids_and_a_new_one_is_created(services):
    # Given the child's facility template, two parent facilities frozen and one new below
    parent_and_child(services)
    put_parent_facilities(services, ids=["F-0", "F-1"])
    data = fill(generated(services, "facilityWithBoundary"), FACILITY, 4, [NEW_FACILITY])

    # When it is read and validated as a facility upload
    judged = verdicts(data, FACILITY)

    # Then the parent's are existing with their ids, the new one is to create
    assert [(v.errors, v.create, v.existing_id) for v in judged] == [
        ([], False, "F-0"),
        ([], False, "F-1"),
        ([], True, None),
    ]


@requires_soffice
def test_a_filled_child_template_saved_again_by_libreoffice_is_still_read(user_template):
    # Given a filled child template opened and saved again with LibreOffice
    data = resave(fill(user_template, USER, 5, NEW_USERS))

    # When it is read and validated
    judged = verdicts(data, USER)

    # Then the frozen rows are still the existing users, the new ones to create
    assert [v.existing_id for v in judged] == ["uuid-0", "uuid-1", "uuid-2", None, None]
    assert [v.create for v in judged] == [False, False, False, True, True]
