import pytest
from jsonschema import Draft202012Validator

from project_factory.errors import InvalidSchemaError, NotFoundError
from project_factory.sheets.schema import (
    check_json_schema,
    load_bundled_admin_schema,
    to_json_schema,
)


def record(*string_properties: dict, **groups: list[dict]) -> dict:
    return {
        "title": "facility",
        "campaignType": "all",
        "properties": {"stringProperties": list(string_properties), **groups},
    }


def test_required_columns_are_those_marked_is_required():
    # Given a record with a required and an optional column
    admin = record(
        {"name": "A", "type": "string", "isRequired": True, "orderNumber": 1},
        {"name": "B", "type": "string", "isRequired": False, "orderNumber": 2},
    )

    # When it is converted
    schema = to_json_schema(admin)

    # Then only the required one is required
    assert schema["required"] == ["A"]


def test_columns_are_listed_in_order_number_order_across_groups():
    # Given columns spread over the three groups, out of order
    admin = record(
        {"name": "NAME", "type": "string", "orderNumber": 2},
        numberProperties=[{"name": "CAPACITY", "type": "number", "orderNumber": 3}],
        enumProperties=[{"name": "KIND", "enum": ["X"], "orderNumber": 1}],
    )

    # When it is converted
    schema = to_json_schema(admin)

    # Then x-columns follows orderNumber
    assert schema["x-columns"] == ["KIND", "NAME", "CAPACITY"]


def test_string_number_and_enum_constraints_become_json_schema_keywords():
    # Given the bundled facility record
    admin = load_bundled_admin_schema("facility.all")

    # When it is converted
    properties = to_json_schema(admin)["properties"]

    # Then each column's constraints are JSON Schema keywords
    assert properties["HCM_ADMIN_CONSOLE_FACILITY_NAME"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 2000,
        "description": "Facility name",
        "x-freezeColumnIfFilled": True,
    }
    capacity = properties["HCM_ADMIN_CONSOLE_FACILITY_CAPACITY"]
    assert (capacity["type"], capacity["minimum"], capacity["maximum"]) == ("number", 1, 100000000)
    assert properties["HCM_ADMIN_CONSOLE_FACILITY_TYPE"]["enum"] == [
        "Warehouse",
        "Health Facility",
        "Storing Resource",
    ]


def test_integer_number_columns_stay_integer():
    # Given a number column typed integer
    admin = record(numberProperties=[{"name": "TARGET", "type": "integer", "minimum": 1}])

    # When it is converted
    schema = to_json_schema(admin)

    # Then the property is an integer
    assert schema["properties"]["TARGET"]["type"] == "integer"


def test_error_message_and_column_annotations_are_carried():
    # Given a column with an error message, hidden and frozen
    admin = record(
        {
            "name": "ID",
            "type": "string",
            "hideColumn": True,
            "freezeColumn": True,
            "errorMessage": "ID_ERROR",
        }
    )

    # When it is converted
    prop = to_json_schema(admin)["properties"]["ID"]

    # Then they are kept for the validator and the template builder
    assert prop["errorMessage"] == "ID_ERROR"
    assert prop["x-hideColumn"] is True
    assert prop["x-freezeColumn"] is True


def test_unique_columns_are_listed():
    # Given the bundled user record, whose phone is unique
    admin = load_bundled_admin_schema("user.all")

    # When it is converted
    schema = to_json_schema(admin)

    # Then the unique columns are listed
    assert "HCM_ADMIN_CONSOLE_USER_PHONE_NUMBER" in schema["x-unique"]


def test_a_multi_select_column_becomes_an_array_of_allowed_values():
    # Given a roles column choosing 1 to 2 values from a list
    admin = record(
        {
            "name": "ROLE",
            "type": "string",
            "multiSelectDetails": {"enum": ["A", "B"], "minSelections": 1, "maxSelections": 2},
        }
    )

    # When it is converted
    prop = to_json_schema(admin)["properties"]["ROLE"]

    # Then it is an array of those values
    assert prop == {
        "type": "array",
        "items": {"type": "string", "enum": ["A", "B"]},
        "uniqueItems": True,
        "minItems": 1,
        "maxItems": 2,
    }


def test_status_columns_listed_in_a_record_are_not_input_columns():
    # Given a record that lists the processed file's status columns (as the original's do)
    admin = record(
        {"name": "NAME", "type": "string", "orderNumber": 1},
        {"name": "#status#", "type": "string", "orderNumber": 2},
        {"name": "#errorDetails#", "type": "string", "orderNumber": 3},
    )

    # When it is converted
    schema = to_json_schema(admin)

    # Then only the input column remains
    assert schema["x-columns"] == ["NAME"]


def test_top_level_required_names_are_honoured():
    # Given a record listing a required column at the top level only
    admin = record({"name": "NAME", "type": "string"}) | {"required": ["NAME", "GONE"]}

    # When it is converted
    schema = to_json_schema(admin)

    # Then the existing column is required and the unknown name ignored
    assert schema["required"] == ["NAME"]


def test_a_converted_schema_validates_rows():
    # Given the bundled facility schema
    schema = to_json_schema(load_bundled_admin_schema("facility.all"))

    # When a row with a capacity too large is validated
    errors = list(
        Draft202012Validator(schema).iter_errors({"HCM_ADMIN_CONSOLE_FACILITY_CAPACITY": 10**9})
    )

    # Then the capacity is one of the violations
    assert any(error.validator == "maximum" for error in errors)


def test_a_constraint_of_the_wrong_type_is_an_invalid_schema():
    # Given a column whose minLength is not a number
    admin = record({"name": "NAME", "type": "string", "minLength": "one"})

    # When / Then the conversion says where the schema is wrong
    with pytest.raises(InvalidSchemaError, match=r"not a valid JSON Schema.*NAME/minLength"):
        to_json_schema(admin)


def test_an_invalid_pattern_is_an_invalid_schema():
    # Given a column whose pattern is not a regular expression
    admin = record({"name": "NAME", "type": "string", "pattern": "[a-"})

    # When / Then it is refused
    with pytest.raises(InvalidSchemaError):
        to_json_schema(admin)


@pytest.mark.parametrize(
    "admin",
    [
        {"title": "facility"},
        {"properties": {"stringProperties": {"name": "NAME"}}},
        {"properties": {"stringProperties": [{"type": "string"}]}},
        {"properties": {"stringProperties": [{"name": "A"}, {"name": "A"}]}},
    ],
    ids=["no properties", "group not a list", "column without name", "column twice"],
)
def test_a_malformed_record_is_an_invalid_schema(admin):
    # Given a record that does not have the adminSchema shape
    # When / Then it is refused
    with pytest.raises(InvalidSchemaError):
        to_json_schema(admin)


def test_check_json_schema_refuses_what_is_not_json_schema():
    # Given a schema with an unknown type name
    schema = {"type": "objekt", "properties": {}}

    # When / Then it is refused with a clear message
    with pytest.raises(InvalidSchemaError, match="not a valid JSON Schema"):
        check_json_schema(schema)


def test_check_json_schema_refuses_a_schema_without_properties():
    # Given a valid JSON Schema that describes no columns
    # When / Then it is refused
    with pytest.raises(InvalidSchemaError, match="properties"):
        check_json_schema({"type": "object"})


@pytest.mark.parametrize(
    "identifier", ["facility.all", "user.all", "boundary.all", "boundaryWithTarget.all"]
)
def test_every_bundled_schema_converts_to_a_valid_json_schema(identifier):
    # Given a bundled record
    admin = load_bundled_admin_schema(identifier)

    # When it is converted
    schema = to_json_schema(admin)

    # Then it is a valid JSON Schema with columns, in the original's record layout
    check_json_schema(schema)
    assert schema["x-columns"]
    assert set(admin["properties"]) <= {"stringProperties", "numberProperties", "enumProperties"}
    assert admin["campaignType"] == "all"


@pytest.mark.parametrize("identifier", ["facility.bednet", "../settings", "nothing"])
def test_an_unknown_bundled_schema_is_not_found(identifier):
    # Given / When / Then an identifier without a bundled file is not found
    with pytest.raises(NotFoundError):
        load_bundled_admin_schema(identifier)
