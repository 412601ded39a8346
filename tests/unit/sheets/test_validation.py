import datetime

import pytest

from project_factory.errors import InvalidSchemaError
from project_factory.sheets.reader import SheetRow
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import BOUNDARY_WITH_TARGET, FACILITY, USER
from project_factory.sheets.validation import RowValidator
from tests.unit.sheets.support import facility, judge, user, validator

NAME = "HCM_ADMIN_CONSOLE_FACILITY_NAME"
CAPACITY = "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY"
FACILITY_ID = "HCM_ADMIN_CONSOLE_FACILITY_CODE"
PHONE = "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER"


def test_a_valid_facility_row_gives_its_canonical_fields_and_is_to_be_created():
    # Given a valid facility row
    # When it is validated
    [verdict] = judge(FACILITY, facility())

    # Then it has no errors, its canonical fields, and is to be created
    assert verdict.errors == []
    assert verdict.canonical == {
        "name": "Chuabo Health Post",
        "facilityType": "Health Facility",
        "isPermanent": True,
        "capacity": 1200,
        "boundaryCodes": ["LOC_A"],
        "usage": "Active",
    }
    assert verdict.create is True
    assert verdict.valid is True


def test_every_error_of_a_row_is_reported():
    # Given a row with four faults: no name, unknown type, capacity too high, unknown boundary
    row = facility(name=None, type="Hospital", capacity=10**9, boundary_code="MARS")

    # When it is validated
    [verdict] = judge(FACILITY, row)

    # Then all four are reported, in column order, and nothing is created
    assert verdict.errors == [
        "Facility Name is required",
        "Facility Type must be one of: Warehouse, Health Facility, Storing Resource",
        "Capacity must be a number from 1 to 100000000",
        "Boundary Code: not within the campaign's boundaries: MARS",
    ]
    assert verdict.canonical is None
    assert verdict.create is False


def test_a_generated_error_names_the_columns_header():
    # Given a name longer than the schema allows
    # When it is validated
    [verdict] = judge(FACILITY, facility(name="x" * 2001))

    # Then the message names the column by its header text
    assert verdict.errors == ["Facility Name must have 1 to 2000 characters"]


def test_the_schemas_error_message_words_the_columns_errors():
    # Given a capacity below the minimum, on a column with an errorMessage
    # When it is validated
    [verdict] = judge(FACILITY, facility(capacity=0))

    # Then the schema's message is used
    assert verdict.errors == ["Capacity must be a number from 1 to 100000000"]


def test_errors_are_worded_in_the_requested_locale():
    # Given a row without name, judged for a French-speaking administrator
    # When it is validated
    [verdict] = judge(FACILITY, facility(name=None), locale="fr_FR")

    # Then the message is French, naming the French header
    assert verdict.errors == ["Nom de l'établissement est obligatoire"]


def test_a_repeated_unique_value_is_invalid_from_its_second_occurrence_naming_the_first_row():
    # Given three rows with the same facility name
    rows = [facility(), facility(), facility()]

    # When they are validated in order
    verdicts = judge(FACILITY, *rows)

    # Then the first is valid and the others name row 2
    assert verdicts[0].errors == []
    expected = "Facility Name 'Chuabo Health Post' is repeated; it first appears on row 2"
    assert verdicts[1].errors == [expected]
    assert verdicts[2].errors == [expected]


def test_uniqueness_ignores_case_and_spacing():
    # Given two names that differ only in case and spaces
    rows = [facility(name="Chuabo Health Post"), facility(name=" chuabo  HEALTH post")]

    # When they are validated
    verdicts = judge(FACILITY, *rows)

    # Then the second is a repeat
    assert "repeated" in verdicts[1].errors[0]


def test_boundary_codes_outside_the_allowed_ones_are_listed():
    # Given a row with one allowed and two unknown codes
    row = facility(boundary_code="LOC_A, X1 ,X2")

    # When it is validated
    [verdict] = judge(FACILITY, row)

    # Then the unknown codes are named
    assert verdict.errors == ["Boundary Code: not within the campaign's boundaries: X1, X2"]


def test_several_allowed_boundary_codes_are_split_and_deduplicated():
    # Given a row listing allowed codes with spaces and a repeat
    # When it is validated
    [verdict] = judge(FACILITY, facility(boundary_code=" LOC_A,LOC_B,, LOC_A"))

    # Then the canonical codes are clean
    assert verdict.canonical["boundaryCodes"] == ["LOC_A", "LOC_B"]


def test_any_boundary_code_is_accepted_when_no_allowed_set_is_given():
    # Given a validator without allowed boundaries
    # When a row with any code is validated
    [verdict] = judge(FACILITY, facility(boundary_code="ANYWHERE"), allowed_boundary_codes=None)

    # Then it is valid
    assert verdict.errors == []


def test_a_boundary_cell_of_only_commas_is_missing():
    # Given / When
    [verdict] = judge(FACILITY, facility(boundary_code=" , ,"))

    # Then it is reported as missing
    assert verdict.errors == ["Boundary Code is required"]


def test_a_phone_with_other_characters_than_digits_is_invalid():
    # Given / When
    [verdict] = judge(USER, user(phone_number="+258 84 123 4567"))

    # Then
    assert verdict.errors == ["Phone Number must contain digits only"]


@pytest.mark.parametrize(
    ("phone", "length", "valid"),
    [
        ("09876543210", 10, True),
        ("0009876543210", 10, True),
        ("987654321", 10, False),
        ("98765432101", 10, False),
        ("987654321", 9, True),
    ],
)
def test_a_phone_has_the_configured_length_once_leading_zeros_are_removed(phone, length, valid):
    # Given a phone and the configured length
    # When it is validated
    [verdict] = judge(USER, user(phone_number=phone), phone_length=length)

    # Then it is valid exactly when its significant digits have that length
    assert verdict.valid is valid
    if not valid:
        assert verdict.errors == [
            f"Phone Number must have exactly {length} digits (leading zeros are not counted)"
        ]


def test_a_phone_typed_as_a_number_is_read_as_its_digits():
    # Given a phone cell Excel stored as a float
    # When it is validated
    [verdict] = judge(USER, user(phone_number=9876543210.0))

    # Then the canonical phone is its digits
    assert verdict.canonical["phone"] == "9876543210"


def test_phones_equal_once_leading_zeros_are_removed_are_repeats():
    # Given the same phone as a number and as text with a leading zero
    rows = [user(phone_number=9876543210), user(phone_number="09876543210")]

    # When they are validated
    verdicts = judge(USER, *rows)

    # Then the second is a repeat of row 2
    assert verdicts[1].errors == [
        "Phone Number '9876543210' is repeated; it first appears on row 2"
    ]


def test_a_valid_user_row_gives_its_canonical_fields():
    # Given a user with two roles typed in another case, and a leading-zero phone
    row = user(role="registrar, Warehouse manager", phone_number="09876543210")

    # When it is validated
    [verdict] = judge(USER, row)

    # Then the canonical fields use the list's spelling and the significant digits
    assert verdict.canonical == {
        "name": "Amina Mabunda",
        "phone": "9876543210",
        "roles": ["Registrar", "Warehouse Manager"],
        "employmentType": "Temporary",
        "boundaryCodes": ["LOC_A"],
        "usage": "Active",
    }


def test_a_role_outside_the_list_is_invalid():
    # Given a role the list does not have
    # When it is validated
    [verdict] = judge(USER, user(role="Registrar, Pilot"))

    # Then the schema's message for roles is used
    assert verdict.errors == ["Role must list 1 to 5 roles from the list, separated by commas"]


def test_an_inactive_row_is_valid_but_not_to_be_created():
    # Given a valid row marked Inactive
    # When it is validated
    [verdict] = judge(FACILITY, facility(usage="Inactive"))

    # Then it is valid, with canonical fields, but not to be created
    assert verdict.errors == []
    assert verdict.canonical["usage"] == "Inactive"
    assert verdict.create is False


def test_a_row_that_already_has_an_id_is_valid_but_not_to_be_created():
    # Given a valid row whose id column is filled (created by an earlier upload)
    # When it is validated
    [verdict] = judge(FACILITY, facility(HCM_ADMIN_CONSOLE_FACILITY_CODE="F-0001"))

    # Then it is valid, carries its id, and is not created again
    assert verdict.errors == []
    assert verdict.existing_id == "F-0001"
    assert verdict.create is False


@pytest.mark.parametrize(("typed", "expected"), [("12", 12), (" 12.5 ", 12.5), ("1e3", 1000)])
def test_numbers_typed_as_text_are_read_as_numbers(typed, expected):
    # Given a capacity typed as text
    # When it is validated
    [verdict] = judge(FACILITY, facility(capacity=typed))

    # Then it is the number
    assert verdict.canonical["capacity"] == expected


def test_whole_floats_from_excel_become_integers():
    # Given a capacity Excel stored as 12.0
    # When it is validated
    [verdict] = judge(FACILITY, facility(capacity=12.0))

    # Then it is the integer 12
    capacity = verdict.canonical["capacity"]
    assert capacity == 12
    assert isinstance(capacity, int)


@pytest.mark.parametrize("typed", ["twelve", "nan", True])
def test_a_value_that_is_not_a_number_is_invalid_in_a_number_column(typed):
    # Given a capacity that is not a number
    # When it is validated against a column without errorMessage
    [verdict] = judge(
        FACILITY,
        facility(capacity=typed),
        json_schema=_without_error_message(CAPACITY),
    )

    # Then the column is reported as not a number
    assert verdict.errors == ["Capacity must be a number"]


def test_a_target_must_be_a_whole_number():
    # Given a target with a fraction
    row = {"HCM_ADMIN_CONSOLE_BOUNDARY_CODE": "LOC_A", "HCM_ADMIN_CONSOLE_TARGET": 12.5}

    # When it is validated
    [verdict] = judge(BOUNDARY_WITH_TARGET, row)

    # Then it is refused
    assert verdict.errors == ["Target at the Selected Boundary Level must be a whole number"]


def test_text_values_are_trimmed():
    # Given a name padded with spaces
    # When it is validated
    [verdict] = judge(FACILITY, facility(name="  Chuabo Health Post  "))

    # Then the canonical name is trimmed
    assert verdict.canonical["name"] == "Chuabo Health Post"


def test_a_value_of_only_spaces_is_missing():
    # Given a type of only spaces
    # When it is validated
    [verdict] = judge(FACILITY, facility(type="   "))

    # Then the type is missing
    assert verdict.errors == ["Facility Type is required"]


def test_enum_values_in_another_case_take_the_schemas_spelling():
    # Given values typed in lower case
    row = facility(type="health facility", status="permanent", usage="ACTIVE")

    # When it is validated
    [verdict] = judge(FACILITY, row)

    # Then they are accepted with the schema's spelling
    assert verdict.canonical["facilityType"] == "Health Facility"
    assert verdict.canonical["isPermanent"] is True
    assert verdict.canonical["usage"] == "Active"


def test_usage_must_be_active_or_inactive_even_when_the_schema_has_no_list():
    # Given a schema whose usage column is free text
    schema = bundled_json_schema(FACILITY.schema_identifier)
    schema["properties"]["HCM_ADMIN_CONSOLE_FACILITY_USAGE"] = {"type": "string"}

    # When a row with another usage is validated
    [verdict] = judge(FACILITY, facility(usage="Sometimes"), json_schema=schema)

    # Then the usage rule still applies
    assert verdict.errors == ["Facility Usage must be one of: Active, Inactive"]


def test_a_value_the_target_already_has_is_invalid():
    # Given a target that already has this phone
    def registered(column, values):
        return {"9876543210"} & set(values)

    # When a user with that phone is validated
    [verdict] = judge(USER, user(phone_number="09876543210"), registered=registered)

    # Then the row is invalid
    assert verdict.errors == ["Phone Number '9876543210' is already registered"]


def test_the_target_is_asked_once_per_batch_and_column():
    # Given a target that records its questions
    questions = []

    def registered(column, values):
        questions.append((column, values))
        return set()

    checker = validator(USER, registered=registered)
    rows = [SheetRow(n, user(phone_number=9876543200 + n)) for n in range(2, 7)]

    # When five rows are validated in batches of three
    verdicts = list(checker.validate_all(rows, batch_size=3))

    # Then two questions were asked, with the significant digits of the phones
    assert [len(values) for _, values in questions] == [3, 2]
    assert questions[0] == (PHONE, ["9876543202", "9876543203", "9876543204"])
    assert all(verdict.valid for verdict in verdicts)


def test_the_target_is_not_asked_about_rows_that_will_not_be_created():
    # Given a target that records its questions
    asked = []

    def registered(column, values):
        asked.extend(values)
        return set(values)

    # When an inactive row, a row with an id and an invalid row are validated
    verdicts = judge(
        USER,
        user(usage="Inactive"),
        user(phone_number=9876543211, HCM_ADMIN_CONSOLE_USER_UUID="u-1"),
        user(phone_number=9876543212, name="A"),
        registered=registered,
    )

    # Then the target was not asked, and the valid rows stay valid
    assert asked == []
    assert [verdict.valid for verdict in verdicts] == [True, True, False]


def test_an_invalid_json_schema_is_refused():
    # Given / When / Then
    with pytest.raises(InvalidSchemaError):
        RowValidator(
            {"type": "object", "properties": {"A": {"type": "nope"}}},
            FACILITY,
            phone_length=10,
            allowed_boundary_codes=None,
        )


def _without_error_message(column):
    schema = bundled_json_schema(FACILITY.schema_identifier)
    del schema["properties"][column]["errorMessage"]
    return schema


KINDS_SCHEMA = {
    "type": "object",
    "properties": {
        "Count": {"type": "integer"},
        "Share": {"type": "number", "minimum": 1},
        "Ceiling": {"type": "number", "maximum": 10},
        "Score": {"type": "number", "minimum": 1, "maximum": 10},
        "Code": {"type": "string", "minLength": 3},
        "Label": {"type": "string", "maxLength": 4},
        "Title": {"type": "string", "minLength": 2, "maxLength": 4},
        "Kind": {"type": "string", "enum": ["Depot", "Post"]},
        "Roles": {
            "type": "array",
            "items": {"type": "string", "enum": ["A", "B"]},
            "minItems": 2,
            "maxItems": 3,
        },
        "Ref": {"type": "string", "pattern": "^[0-9]+$"},
        "Step": {"type": "number", "multipleOf": 5},
        "Tag": {"type": "string", "minLength": 3, "pattern": "^[a-z]+$"},
        "Gat": {"type": "string", "pattern": "^[a-z]+$", "minLength": 3},
    },
}


@pytest.mark.parametrize(
    ("column", "typed", "messages"),
    [
        ("Count", "twelve", ["Count must be a whole number"]),
        ("Count", 12.5, ["Count must be a whole number"]),
        ("Share", 0, ["Share must be at least 1"]),
        ("Share", datetime.date(2024, 1, 1), ["Share must be a number"]),
        ("Ceiling", 11, ["Ceiling must be at most 10"]),
        ("Score", 0, ["Score must be between 1 and 10"]),
        ("Code", "ab", ["Code must have at least 3 characters"]),
        ("Label", "abcde", ["Label must have at most 4 characters"]),
        ("Title", "a", ["Title must have 2 to 4 characters"]),
        ("Kind", "Hospital", ["Kind must be one of: Depot, Post"]),
        ("Roles", "A, C", ["Roles: 'C' is not one of: A, B"]),
        ("Roles", "A", ["Roles must list at least 2 value(s)"]),
        (
            "Roles",
            "A, C, B, D",
            [
                "Roles: 'C' is not one of: A, B",
                "Roles: 'D' is not one of: A, B",
                "Roles must list at most 3 value(s)",
            ],
        ),
        ("Ref", "12a", ["Ref is not in the expected format"]),
        # no message of ours: jsonschema's own words, as before
        ("Step", 7, ["Step is not valid: 7 is not a multiple of 5"]),
        # several errors of one column: in the order of the column's schema
        ("Tag", "A1", ["Tag must have at least 3 characters", "Tag is not in the expected format"]),
        ("Gat", "A1", ["Gat is not in the expected format", "Gat must have at least 3 characters"]),
    ],
)
def test_each_kind_of_schema_error_has_its_message(column, typed, messages):
    # Given a column with a rule of each kind, and a value breaking it
    checker = validator(FACILITY, json_schema=KINDS_SCHEMA, allowed_boundary_codes=None)

    # When the row is validated
    verdict = checker.validate(SheetRow(2, {column: typed}))

    # Then the errors are worded as before, in the same order
    assert verdict.errors == messages


def test_errors_of_several_columns_come_in_column_order():
    # Given a row breaking three columns, given in another order than the schema's
    checker = validator(FACILITY, json_schema=KINDS_SCHEMA, allowed_boundary_codes=None)
    row = {"Ref": "x", "Count": "many", "Kind": "Hut"}

    # When it is validated
    verdict = checker.validate(SheetRow(2, row))

    # Then the messages follow the schema's columns
    assert verdict.errors == [
        "Count must be a whole number",
        "Kind must be one of: Depot, Post",
        "Ref is not in the expected format",
    ]


class _AlwaysInvalid:
    """A schema validator whose `is_valid` says no: every row takes the path that words
    the errors, as every row did before the fast path."""

    def __init__(self, wrapped):
        self._wrapped = wrapped

    def is_valid(self, instance):
        return False

    def iter_errors(self, instance):
        return self._wrapped.iter_errors(instance)


def test_the_valid_row_fast_path_gives_the_verdicts_of_wording_every_row():
    # Given valid and invalid rows of every kind of fault, and the sample file's rows
    from local.samples import facility_rows

    rows = [
        facility(),
        facility(name=None, type="Hospital", capacity=10**9, boundary_code="MARS"),
        facility(name="x" * 2001, capacity="many"),
        facility(type="  health   FACILITY ", usage="inactive"),
        *facility_rows(200, 20),
    ]
    sheet_rows = [SheetRow(number, row) for number, row in enumerate(rows, start=2)]

    # When they are validated with the fast path and with every row worded
    fast = list(validator(FACILITY, allowed_boundary_codes=None).validate_all(sheet_rows))
    slow = validator(FACILITY, allowed_boundary_codes=None)
    slow._schema_check._validator = _AlwaysInvalid(slow._schema_check._validator)
    slow._plain = lambda values: False
    slow._batches = None

    # Then the verdicts are the same, errors and all
    assert fast == list(slow.validate_all(sheet_rows))
    assert any(verdict.errors for verdict in fast)
