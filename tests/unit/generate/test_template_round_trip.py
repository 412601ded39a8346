"""A generated template, filled as people fill it, uploads through the reader and validator."""

from project_factory.sheets.messages import load_bundled_messages
from project_factory.sheets.reader import iter_sheet_rows
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY, USER
from project_factory.sheets.template import prefilled_facility
from project_factory.sheets.validation import RowValidator
from tests.support.libreoffice import requires_soffice, resave
from tests.unit.generate.support import CODES, open_template, save, template

MESSAGES = load_bundled_messages()
USERS = [
    ["Amina Mabunda", 9876543210, "Registrar, Distributor", "Temporary", "L1,L2", "Active"],
    ["Joao Cossa", "09123456780", "Supervisor", "Permanent", "D1", "Inactive"],
]
NEW_FACILITY = ["Bela Health Post", "Health Facility", "Temporary", 1200, "L2", "Active"]
EXISTING = {
    "id": "F-1",
    "name": "Central Store",
    "facilityType": "Warehouse",
    "isPermanent": True,
    "capacity": 500,
    "boundaryCodes": ["L1"],
}


def fill(data, sheet_name, spec, rows, first_row=2):
    """Type rows into the data sheet, under their columns, as a person would."""
    book = open_template(data)
    sheet = book[MESSAGES.text(sheet_name)]
    columns = bundled_json_schema(spec.schema_identifier)["x-columns"]
    fields = [column for column in columns if column not in spec.written_columns]
    for offset, values in enumerate(rows):
        for code, value in zip(fields, values, strict=True):
            sheet.cell(first_row + offset, columns.index(code) + 1, value)
    return save(book)


def verdicts(data, spec):
    validator = RowValidator(
        bundled_json_schema(spec.schema_identifier),
        spec,
        phone_length=10,
        allowed_boundary_codes=set(CODES),
    )
    return list(validator.validate_all(iter_sheet_rows(data, spec, MESSAGES)))


def test_a_filled_user_template_is_read_and_valid():
    # Given a user template filled with two users
    data = fill(template("userWithBoundary"), USER.data_sheet, USER, USERS)

    # When it is read and validated as a user upload
    judged = verdicts(data, USER)

    # Then both rows are valid, only the active one to create, and the empty rows are ignored
    assert [verdict.errors for verdict in judged] == [[], []]
    assert [verdict.create for verdict in judged] == [True, False]
    assert judged[0].canonical == {
        "name": "Amina Mabunda",
        "phone": "9876543210",
        "roles": ["Registrar", "Distributor"],
        "employmentType": "Temporary",
        "boundaryCodes": ["L1", "L2"],
        "usage": "Active",
    }


def test_a_filled_facility_template_keeps_existing_facilities_apart():
    # Given a facility template with an existing facility, and a new one filled below it
    data = template("facilityWithBoundary", existing_rows=[prefilled_facility(EXISTING)])
    data = fill(data, FACILITY.data_sheet, FACILITY, [NEW_FACILITY], first_row=3)

    # When it is read and validated as a facility upload
    existing, new = verdicts(data, FACILITY)

    # Then both are valid; the existing one is recognised by its id, the new one created
    assert (existing.errors, existing.create, existing.existing_id) == ([], False, "F-1")
    assert (new.errors, new.create) == ([], True)
    assert new.canonical["name"] == "Bela Health Post"


def test_an_untouched_template_has_no_rows_to_upload():
    # Given / When a user template read as it was generated
    rows = list(iter_sheet_rows(template("userWithBoundary"), USER, MESSAGES))

    # Then it has no data rows: the editable empty cells are not rows
    assert rows == []


@requires_soffice
def test_a_template_saved_again_by_libreoffice_is_still_read():
    # Given a filled user template that a person saved again with LibreOffice
    saved = resave(fill(template("userWithBoundary"), USER.data_sheet, USER, USERS))

    # When it is read and validated
    judged = verdicts(saved, USER)

    # Then the same rows come out, valid
    assert [verdict.errors for verdict in judged] == [[], []]
    assert judged[0].canonical["phone"] == "9876543210"
