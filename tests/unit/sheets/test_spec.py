import pytest

from project_factory.errors import InvalidRequestError
from project_factory.sheets.boundary_paths import boundary_code
from project_factory.sheets.canonical import normalise_phone, to_canonical
from project_factory.sheets.cells import split_codes
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY, SPECS, USER, spec_for


def test_a_temporary_facility_is_not_permanent():
    # Given validated facility values with status Temporary
    values = {
        "HCM_ADMIN_CONSOLE_FACILITY_NAME": "Depot",
        "HCM_ADMIN_CONSOLE_FACILITY_TYPE": "Warehouse",
        "HCM_ADMIN_CONSOLE_FACILITY_STATUS": "Temporary",
        "HCM_ADMIN_CONSOLE_FACILITY_CAPACITY": 2.5,
        "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": "A,B",
        "HCM_ADMIN_CONSOLE_FACILITY_USAGE": "Active",
    }

    # When they become canonical fields
    canonical = to_canonical(FACILITY, values)

    # Then isPermanent is false and the codes are a list
    assert canonical["isPermanent"] is False
    assert canonical["capacity"] == 2.5
    assert canonical["boundaryCodes"] == ["A", "B"]


def test_user_roles_written_as_text_become_a_list():
    # Given user values whose roles are still the cell's text
    values = {
        "HCM_ADMIN_CONSOLE_USER_NAME": "Amina",
        "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER": "0098765",
        "HCM_ADMIN_CONSOLE_USER_ROLE": "Registrar, Distributor",
        "HCM_ADMIN_CONSOLE_USER_EMPLOYMENT_TYPE": "Permanent",
        "HCM_ADMIN_CONSOLE_BOUNDARY_CODE": "A",
        "HCM_ADMIN_CONSOLE_USER_USAGE": "Active",
    }

    # When they become canonical fields
    canonical = to_canonical(USER, values)

    # Then roles are a list and the phone has no leading zeros
    assert canonical["roles"] == ["Registrar", "Distributor"]
    assert canonical["phone"] == "98765"


def test_a_boundary_code_is_stable_readable_and_ignores_case_and_spacing():
    # Given the same path spelled twice
    first = boundary_code(["Kalanga", "Chisu"])
    second = boundary_code([" KALANGA", "chisu  "])

    # When / Then both give the same code, starting with the name
    assert first == second
    assert first.startswith("CHISU_")


def test_boundaries_of_the_same_name_under_different_parents_have_different_codes():
    # Given / When / Then
    assert boundary_code(["Kalanga", "North", "Central"]) != boundary_code(
        ["Kalanga", "South", "Central"]
    )


def test_a_boundary_code_is_ascii_even_for_accented_names():
    # Given / When
    code = boundary_code(["Kalanga", "Région du Sud"])

    # Then the name part is plain ASCII
    assert code.startswith("REGION_DU_SUD_")
    assert code.isascii()


def test_comma_separated_codes_are_trimmed_without_blanks_or_repeats():
    # Given / When / Then
    assert split_codes(" A, B,,A , C ") == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("phone", "digits"), [("0987", "987"), (9876543210.0, "9876543210"), (12, "12")]
)
def test_a_phone_keeps_its_significant_digits(phone, digits):
    # Given / When / Then
    assert normalise_phone(phone) == digits


def test_an_unknown_resource_type_is_an_invalid_request():
    # Given / When / Then
    with pytest.raises(InvalidRequestError, match="Unknown resource type"):
        spec_for("vehicle")


@pytest.mark.parametrize("resource_type", sorted(SPECS))
def test_every_column_a_spec_names_is_in_its_bundled_schema(resource_type):
    # Given a spec and its bundled schema
    spec = spec_for(resource_type)
    columns = set(bundled_json_schema(spec.schema_identifier)["x-columns"])

    # When the columns the spec gives a meaning to are gathered
    named = {
        *spec.written_columns,
        *spec.unique_columns,
        *spec.registered_columns,
        *spec.fields.values(),
        *(column for column, _ in spec.levels),
        *(c for c in (spec.boundary_column, spec.usage_column, spec.phone_column) if c),
    }

    # Then the schema has every one of them
    assert named <= columns
