from openpyxl.utils import get_column_letter

from project_factory.domain.boundaries import Boundary
from project_factory.sheets.dropdowns import INLINE_LIST_LIMIT, LISTS_SHEET
from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.metadata import METADATA_SHEET, read_metadata
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.template import prefilled_facility, protection_password
from tests.unit.generate.support import (
    CODES,
    EVERY,
    PASSWORD,
    UNLOCKED_ROWS,
    boundaries,
    open_template,
    template,
)

MESSAGES = load_bundled_messages()
USER_COLUMNS = bundled_json_schema("user.all")["x-columns"]
FACILITY_COLUMNS = bundled_json_schema("facility.all")["x-columns"]


def validations(sheet):
    """Column letter -> its data validation."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            found[get_column_letter(cell_range.min_col)] = validation
    return found


def column_of(code, columns=USER_COLUMNS):
    return get_column_letter(columns.index(code) + 1)


def test_the_readme_comes_first_then_the_data_then_the_boundaries():
    # Given / When a user template
    book = open_template(template("userWithBoundary"))

    # Then its sheets are the readme, the data sheet, the boundary sheet, then the hidden metadata
    assert book.sheetnames == ["Read Me", "Create List of Users", "Boundary Data", METADATA_SHEET]
    assert book[METADATA_SHEET].sheet_state == "veryHidden"
    assert book["Read Me"]["A1"].value == MESSAGES.text("HCM_README_TITLE")


def test_headers_are_localised_in_schema_order():
    # Given / When a user template in French
    book = open_template(template("userWithBoundary", locale="fr_FR"))

    # Then the data sheet's name and headers are French, in the schema's column order
    sheet = book[MESSAGES.text("HCM_ADMIN_CONSOLE_USER_LIST", "fr_FR")]
    assert [cell.value for cell in sheet[1]] == [
        MESSAGES.text(code, "fr_FR") for code in USER_COLUMNS
    ]


def test_columns_marked_hidden_are_hidden():
    # Given / When a user template
    sheet = open_template(template("userWithBoundary"))["Create List of Users"]

    # Then exactly the id and password columns are hidden
    hidden = {
        code
        for index, code in enumerate(USER_COLUMNS, start=1)
        if sheet.column_dimensions[get_column_letter(index)].hidden
    }
    assert hidden == {"HCM_ADMIN_CONSOLE_USER_UUID", "HCM_ADMIN_CONSOLE_USER_PASSWORD"}


def test_the_header_is_frozen_and_locked():
    # Given / When
    sheet = open_template(template("userWithBoundary"))["Create List of Users"]

    # Then the first row stays in view and cannot be edited
    assert sheet.freeze_panes == "A2"
    assert all(cell.protection.locked for cell in sheet[1])


def test_empty_cells_are_unlocked_up_to_the_configured_rows():
    # Given / When a template with a few unlocked rows
    sheet = open_template(template("userWithBoundary"))["Create List of Users"]
    name = column_of("HCM_ADMIN_CONSOLE_USER_NAME")

    # Then the rows below the header are editable, and the row after them is not
    assert all(not sheet[f"{name}{row}"].protection.locked for row in range(2, UNLOCKED_ROWS + 2))
    assert sheet[f"{name}{UNLOCKED_ROWS + 2}"].protection.locked


def test_columns_filled_after_creation_stay_locked():
    # Given / When
    sheet = open_template(template("userWithBoundary"))["Create List of Users"]

    # Then the id, username and password cells cannot be typed in
    for code in ("HCM_ADMIN_CONSOLE_USER_UUID", "HCM_ADMIN_CONSOLE_USER_USERNAME"):
        assert sheet[f"{column_of(code)}2"].protection.locked


def test_every_sheet_is_protected_and_the_structure_locked_with_a_hashed_password():
    # Given / When
    book = open_template(template("userWithBoundary"))

    # Then every sheet is protected, the sheets cannot be renamed or moved,
    # and the password is not in the file as it is
    assert all(sheet.protection.sheet for sheet in book.worksheets)
    assert all(sheet.protection.password not in (None, PASSWORD) for sheet in book.worksheets)
    assert book.security.lockStructure
    assert book.security.workbookPassword not in (None, PASSWORD)


def test_without_a_configured_password_each_workbook_gets_its_own():
    # Given no configured password
    # When two workbooks get theirs
    first, second = protection_password(""), protection_password("")

    # Then both are long random ones, and a configured one is kept
    assert first != second and len(first) >= 16
    assert protection_password("configured") == "configured"


def test_enum_columns_get_a_strict_inline_dropdown():
    # Given / When
    sheet = open_template(template("userWithBoundary"))["Create List of Users"]
    employment = validations(sheet)[column_of("HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE")]

    # Then the list is offered and anything else refused, on every row to fill
    assert (employment.type, employment.formula1) == ("list", '"Temporary,Permanent"')
    assert employment.errorStyle == "stop"
    assert str(employment.sqref) == f"D2:D{UNLOCKED_ROWS + 1}"


def test_multi_value_columns_get_a_dropdown_that_only_warns():
    # Given / When
    sheet = open_template(template("userWithBoundary"))["Create List of Users"]
    found = validations(sheet)

    # Then roles and boundary codes offer their lists but accept comma-separated values
    role = found[column_of("HCM_ADMIN_CONSOLE_USER_ROLE")]
    codes = found[column_of("HCM_ADMIN_CONSOLE_BOUNDARY_CODE")]
    assert role.errorStyle == codes.errorStyle == "warning"
    assert codes.formula1 == '"' + ",".join(CODES) + '"'


def test_a_list_too_long_to_be_inline_goes_through_a_very_hidden_range():
    # Given more boundaries than an inline list can hold
    many = [*EVERY, *(Boundary(f"LOC_{n:05d}", f"L{n}", "Locality", "D1") for n in range(60))]
    assert len(",".join(b.code for b in many)) > INLINE_LIST_LIMIT

    # When the template is made
    book = open_template(template("userWithBoundary", boundaries=boundaries(many, many)))

    # Then the boundary dropdown points at a column of the very hidden lists sheet
    codes = validations(book["Create List of Users"])[column_of("HCM_ADMIN_CONSOLE_BOUNDARY_CODE")]
    assert codes.formula1 == f"'{LISTS_SHEET}'!$A$1:$A${len(many)}"
    lists = book[LISTS_SHEET]
    assert lists.sheet_state == "veryHidden"
    assert [row[0] for row in lists.iter_rows(values_only=True)] == [b.code for b in many]


def test_no_dropdown_is_ever_inline_beyond_excels_limit():
    # Given many boundaries
    many = [*EVERY, *(Boundary(f"LOC_{n:05d}", f"L{n}", "Locality", "D1") for n in range(60))]

    # When the template is made
    sheet = open_template(template("userWithBoundary", boundaries=boundaries(many, many)))[
        "Create List of Users"
    ]

    # Then every inline list fits (the roles', the employment types', the statuses'), and
    # the boundaries' goes through a range
    lists = sheet.data_validations.dataValidation
    inline = [v.formula1 for v in lists if v.formula1.startswith('"')]
    assert len(inline) >= 3
    assert len(lists) > len(inline)
    for formula in inline:
        assert len(formula) - 2 <= INLINE_LIST_LIMIT, formula


def test_number_columns_check_their_range():
    # Given / When a facility template
    sheet = open_template(template("facilityWithBoundary"))["List of Available Facilities"]
    capacity = validations(sheet)[
        column_of("HCM_ADMIN_CONSOLE_FACILITY_CAPACITY", FACILITY_COLUMNS)
    ]

    # Then capacity is checked against the schema's bounds
    assert (capacity.type, capacity.operator) == ("decimal", "between")
    assert (capacity.formula1, capacity.formula2) == ("1", "100000000")


def test_the_boundary_sheet_lists_each_boundary_with_its_path_and_code_locked():
    # Given / When
    sheet = open_template(template("userWithBoundary"))["Boundary Data"]
    rows = list(sheet.iter_rows(values_only=True))

    # Then one column per level and the code, one row per boundary, nothing editable
    assert rows[0] == ("Country", "Province", "District", "Locality", "Boundary Code")
    assert rows[1] == ("Kalanga", None, None, None, "K")
    assert rows[-1] == ("Kalanga", "Dibute", "Nacala", "Dondo", "L4")
    assert len(rows) == 1 + len(EVERY)
    assert sheet.protection.sheet
    assert all(cell.protection.locked for row in sheet.iter_rows() for cell in row)


def test_a_filtered_template_names_the_ancestors_of_its_boundaries():
    # Given a template for one district and its localities only
    district = [b for b in EVERY if b.code in ("D1", "L1", "L2")]

    # When it is made
    sheet = open_template(template("userWithBoundary", boundaries=boundaries(district)))[
        "Boundary Data"
    ]

    # Then its rows still carry the country and province names
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows == [
        ("Kalanga", "Chisu", "Lunda", None, "D1"),
        ("Kalanga", "Chisu", "Lunda", "Ampa", "L1"),
        ("Kalanga", "Chisu", "Lunda", "Bela", "L2"),
    ]


def test_a_boundary_template_has_a_tab_per_district_with_its_localities():
    # Given / When a boundary template
    book = open_template(template("boundary"))

    # Then the boundary sheet is hidden and each district has its tab
    assert book.sheetnames == [
        "Read Me",
        "Boundary Data",
        "Lunda",
        "Moxi",
        "Nacala",
        METADATA_SHEET,
    ]
    assert book["Boundary Data"].sheet_state == "hidden"
    rows = list(book["Lunda"].iter_rows(values_only=True))
    assert rows == [
        (
            "District",
            "Locality",
            "Boundary Code",
            "Target at the Selected Boundary Level",
            "Target Households",
        ),
        ("Lunda", "Ampa", "L1", None, None),
        ("Lunda", "Bela", "L2", None, None),
    ]


def test_only_the_target_cells_of_a_tab_are_editable():
    # Given / When
    tab = open_template(template("boundary"))["Lunda"]

    # Then names and codes are locked, targets unlocked and checked as whole numbers
    assert tab.freeze_panes == "A2" and tab.protection.sheet
    assert all(tab[f"{column}2"].protection.locked for column in "ABC")
    assert not any(tab.column_dimensions[column].protection.locked for column in "DE")
    assert all(cell.protection.locked for cell in tab[1])
    target = validations(tab)["D"]
    assert (target.type, target.formula1, target.formula2) == ("whole", "1", "1000000")
    assert str(target.sqref) == "D2:D3"


def test_a_district_without_selected_localities_is_its_own_target_row():
    # Given a boundary template for a whole province, one of its districts without localities
    chosen = [b for b in EVERY if b.code in ("P1", "D1", "D2", "L1")]

    # When it is made
    book = open_template(template("boundary", boundaries=boundaries(chosen)))

    # Then the locality gets targets in its district's tab, the bare district in its own
    assert [row[2] for row in book["Lunda"].iter_rows(min_row=2, values_only=True)] == ["L1"]
    assert [row[2] for row in book["Moxi"].iter_rows(min_row=2, values_only=True)] == ["D2"]


def test_existing_facilities_are_pre_filled_and_their_details_locked():
    # Given a permanent facility of the tenant
    existing = prefilled_facility(
        {
            "id": "F-1",
            "name": "Central Store",
            "facilityType": "Warehouse",
            "isPermanent": True,
            "capacity": 500,
            "boundaryCodes": ["L1", "L2"],
        }
    )

    # When the facility template is made with it
    sheet = open_template(template("facilityWithBoundary", existing_rows=[existing]))[
        "List of Available Facilities"
    ]

    # Then it is the first data row, Inactive until chosen, its details locked
    first_row = next(sheet.iter_rows(min_row=2, values_only=True))
    values = dict(zip(FACILITY_COLUMNS, first_row, strict=True))
    assert values == {
        "HCM_ADMIN_CONSOLE_FACILITY_CODE": "F-1",
        "HCM_ADMIN_CONSOLE_FACILITY_NAME": "Central Store",
        "HCM_ADMIN_CONSOLE_FACILITY_TYPE": "Warehouse",
        "HCM_ADMIN_CONSOLE_FACILITY_STATUS": "Permanent",
        "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY": 500,
        "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": "L1,L2",
        "HCM_ADMIN_CONSOLE_FACILITY_USAGE": "Inactive",
    }
    cells = zip(FACILITY_COLUMNS, sheet[2], strict=True)
    locked = {code for code, cell in cells if cell.protection.locked}
    assert locked == set(FACILITY_COLUMNS) - {
        "HCM_ADMIN_CONSOLE_BOUNDARY_CODE",
        "HCM_ADMIN_CONSOLE_FACILITY_USAGE",
    }
    # And the rows to fill start below it
    assert not sheet[f"B{UNLOCKED_ROWS + 2}"].protection.locked


def test_the_hidden_metadata_says_what_the_template_was_made_for():
    # Given / When
    data = template("userWithBoundary", metadata={"type": "userWithBoundary", "locale": "en_IN"})

    # Then the metadata reads back
    assert read_metadata(data) == {"type": "userWithBoundary", "locale": "en_IN"}
