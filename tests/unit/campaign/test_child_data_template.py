"""A child campaign's user and facility templates: the parent's rows kept, frozen."""

import json

import pytest
from openpyxl.utils import get_column_letter

from project_factory.domain.resources import ResourceStatus
from project_factory.domain.target_calls import PendingRow
from project_factory.domain.templates import GeneratedStatus
from project_factory.errors import NotFoundError
from project_factory.flows.template_build import generate_template
from project_factory.flows.template_requests import mark_generation_failed
from project_factory.sheets.freeze_parent_rows import OLD_BOUNDARY_COLUMN, freeze_rows
from project_factory.sheets.layout import STATUS_COLUMN
from project_factory.sheets.spec import BOUNDARY_CODE_COLUMN, FACILITY, USER
from tests.unit.campaign.conftest import UNLOCKED_ROWS
from tests.unit.campaign.support import (
    HIERARCHY,
    MESSAGES,
    NEW_DISTRICTS,
    PARENT,
    PARENT_DISTRICTS,
    TENANT,
    below,
    columns_of,
    generated,
    localities,
    open_book,
    parent_and_child,
    processed_file,
    put_parent_facilities,
    put_parent_users,
    put_resource,
    requested,
    text,
    user_rows,
)
from tests.unit.generate.support import template

PARENT_USERS = user_rows()
FROZEN = range(2, 2 + len(PARENT_USERS))


@pytest.fixture
def user_sheet(services):
    """The data sheet of the child's user template, the parent having created 3 users."""
    parent_and_child(services)
    put_parent_users(services)
    return open_book(generated(services, "userWithBoundary"))[MESSAGES.text(USER.data_sheet)]


def test_every_parent_row_comes_first_with_each_cell_locked_but_the_boundary(user_sheet):
    # Given / When the child's user template
    columns = columns_of(user_sheet)
    fresh = columns[text(BOUNDARY_CODE_COLUMN)]

    # Then the parent's three users are its first rows, every cell locked but the boundary
    names = [user_sheet.cell(row, 1).value for row in FROZEN]
    assert names == [user["HCM_ADMIN_CONSOLE_USER_NAME"] for user in PARENT_USERS]
    for row in FROZEN:
        locked = {cell.column for cell in user_sheet[row] if cell.protection.locked}
        assert locked == set(range(1, user_sheet.max_column + 1)) - {fresh}


def test_the_old_boundary_codes_stay_in_a_hidden_column_beside_an_editable_copy(user_sheet):
    # Given / When the child's user template
    columns = columns_of(user_sheet)
    old, fresh = columns[text(OLD_BOUNDARY_COLUMN)], columns[text(BOUNDARY_CODE_COLUMN)]

    # Then the old codes sit, hidden and locked, just before the fresh column of the same codes
    codes = [user[BOUNDARY_CODE_COLUMN] for user in PARENT_USERS]
    assert fresh == old + 1
    assert user_sheet.cell(1, old).value == "Boundary Code_OLD"
    assert user_sheet.column_dimensions[get_column_letter(old)].hidden
    assert [user_sheet.cell(row, old).value for row in FROZEN] == codes
    assert [user_sheet.cell(row, fresh).value for row in FROZEN] == codes
    assert all(user_sheet.cell(row, old).protection.locked for row in FROZEN)
    assert not any(user_sheet.cell(row, fresh).protection.locked for row in FROZEN)


def test_frozen_rows_keep_ids_and_usernames_but_no_password_or_status(user_sheet):
    # Given / When the child's user template
    columns = columns_of(user_sheet)

    # Then each frozen user has its uuid and username, no password, and no status column
    def values(code):
        return [user_sheet.cell(row, columns[text(code)]).value for row in FROZEN]

    assert values("HCM_ADMIN_CONSOLE_USER_UUID") == ["uuid-0", "uuid-1", "uuid-2"]
    assert values("HCM_ADMIN_CONSOLE_USER_USERNAME") == [
        "USR-000000",
        "USR-000001",
        "USR-000002",
    ]
    assert values("HCM_ADMIN_CONSOLE_USER_PASSWORD") == [None, None, None]
    assert STATUS_COLUMN.casefold() not in columns


def test_the_empty_rows_below_stay_unlocked_in_a_protected_sheet(user_sheet):
    # Given / When the child's user template
    name, fresh = 1, columns_of(user_sheet)[text(BOUNDARY_CODE_COLUMN)]
    empty = range(FROZEN.stop, FROZEN.stop + UNLOCKED_ROWS)

    # Then the rows to fill are unlocked below the frozen ones, and the sheet is protected
    assert all(user_sheet.cell(row, name).value is None for row in empty)
    assert not any(user_sheet.cell(row, name).protection.locked for row in empty)
    assert not any(user_sheet.cell(row, fresh).protection.locked for row in empty)
    assert user_sheet.protection.sheet and user_sheet.parent.security.lockStructure


def test_the_boundary_dropdown_and_sheet_list_the_parents_and_the_new_boundaries(services):
    # Given a parent with created users and a child adding two districts
    parent_and_child(services)
    put_parent_users(services)

    # When the child's user template is generated
    book = open_book(generated(services, "userWithBoundary"))

    # Then the boundary sheet lists the four districts' boundaries, and the boundary column's
    # dropdown, moved with its column, covers the frozen rows and the empty ones
    sheet = book[MESSAGES.text(USER.data_sheet)]
    letter = get_column_letter(columns_of(sheet)[text(BOUNDARY_CODE_COLUMN)])
    listed = {row[-1] for row in book.worksheets[2].iter_rows(min_row=2, values_only=True)}
    assert listed == below([*PARENT_DISTRICTS, *NEW_DISTRICTS])
    [dropdown] = [
        validation
        for validation in sheet.data_validations.dataValidation
        if str(validation.sqref).startswith(letter)
    ]
    assert str(dropdown.sqref) == f"{letter}2:{letter}{FROZEN.stop + UNLOCKED_ROWS - 1}"


def test_the_newest_created_upload_of_the_parent_is_the_base(services):
    # Given a created user upload of the parent, then a newer one that was invalid
    parent_and_child(services)
    put_parent_users(services)
    newer = [{**PARENT_USERS[0], "HCM_ADMIN_CONSOLE_USER_NAME": "Never created"}]
    put_resource(
        services,
        "RES-INVALID",
        "user",
        ResourceStatus.INVALID,
        processed_file(USER, newer),
        created_time=2000,
    )

    # When the child's user template is generated
    sheet = open_book(generated(services, "userWithBoundary"))[MESSAGES.text(USER.data_sheet)]

    # Then its frozen rows are those of the created upload
    assert [sheet.cell(row, 1).value for row in FROZEN] == [
        user["HCM_ADMIN_CONSOLE_USER_NAME"] for user in PARENT_USERS
    ]


def test_without_a_created_file_of_the_parent_the_generation_fails_with_the_reason(services):
    # Given a child whose parent never created any user
    parent_and_child(services)
    generated_id = requested(services, "userWithBoundary")

    # When the task runs, and the state machine's Catch marks the row with its error
    with pytest.raises(NotFoundError) as failure:
        generate_template(generated_id, None, services)
    cause = {"errorType": type(failure.value).__name__, "errorMessage": str(failure.value)}
    failed = mark_generation_failed(
        generated_id, {"Error": "NotFoundError", "Cause": json.dumps(cause)}, services
    )

    # Then the error is PARENT_FILE_NOT_FOUND, and the failed row names the parent and type
    assert failure.value.code == "PARENT_FILE_NOT_FOUND"
    assert failed.status == GeneratedStatus.FAILED
    assert PARENT in failed.additionalDetails["error"]["message"]
    assert "user" in failed.additionalDetails["error"]["message"]


def test_a_permanent_facility_the_parent_carries_is_not_listed_twice(services):
    # Given two permanent facilities in the registry, the parent's file carrying the first
    parent_and_child(services)
    results = services.target("facility", HIERARCHY).create(
        TENANT, [permanent_facility("r:0", "Parent Store 0"), permanent_facility("r:1", "Depot")]
    )
    carried, other = (result.id for result in results)
    put_parent_facilities(services, ids=[carried])

    # When the child's facility template is generated
    sheet = open_book(generated(services, "facilityWithBoundary"))[
        MESSAGES.text(FACILITY.data_sheet)
    ]

    # Then the carried one is a frozen row, and only the other is pre-filled after it
    code = columns_of(sheet)[text(FACILITY.id_column)]
    ids = [row[code - 1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[code - 1]]
    assert ids == [carried, other]
    assert sheet.cell(2, 2).protection.locked
    usage = columns_of(sheet)[text(FACILITY.usage_column)]
    assert sheet.cell(2, usage).protection.locked and not sheet.cell(3, usage).protection.locked


def permanent_facility(ref, name):
    data = {
        "name": name,
        "facilityType": "Warehouse",
        "isPermanent": True,
        "capacity": 500,
        "boundaryCodes": [localities(PARENT_DISTRICTS[1], 1)[0]],
        "usage": "Active",
    }
    return PendingRow(ref, 2, data)


def test_freezing_keeps_each_sheets_password_and_the_structure_lock():
    # Given a user template protected with a known password, a parent user pre-filled
    data = template("userWithBoundary", existing_rows=PARENT_USERS[:1])
    before = open_book(data)

    # When its first row is frozen
    after = open_book(freeze_rows(data, USER, 1, MESSAGES, "en_IN"))

    # Then every sheet keeps its protection and password hash, the structure stays locked
    def protection(book):
        return [(s.title, s.protection.sheet, s.protection.password) for s in book.worksheets]

    assert protection(after) == protection(before)
    assert after.security.workbookPassword == before.security.workbookPassword
    assert after.security.lockStructure
