"""A schema found sound is not checked again for the next file; any other still is."""

import contextlib

import pytest

from project_factory.errors import InvalidSchemaError
from project_factory.sheets import schema_check
from project_factory.sheets.schema import bundled_json_schema
from project_factory.sheets.spec import FACILITY
from tests.unit.sheets.support import validator


@pytest.fixture
def checks(monkeypatch):
    """The schemas checked, in order, with nothing remembered at first."""
    checked = []
    check = schema_check.check_json_schema
    monkeypatch.setattr(schema_check, "_CHECKED", set())

    def counting(json_schema):
        checked.append(json_schema)
        check(json_schema)

    monkeypatch.setattr(schema_check, "check_json_schema", counting)
    return checked


def test_a_sound_schema_is_checked_for_the_first_file_only(checks):
    # Given the facility schema, and an equal copy of it
    schema = bundled_json_schema(FACILITY.schema_identifier)

    # When validators are built for three files
    for json_schema in (schema, dict(schema), schema):
        validator(FACILITY, json_schema=json_schema)

    # Then the schema was checked once
    assert len(checks) == 1


def test_an_unsound_schema_is_refused_every_time(checks):
    # Given a schema whose column type is not a JSON Schema type
    schema = bundled_json_schema(FACILITY.schema_identifier)
    schema["properties"]["HCM_ADMIN_CONSOLE_FACILITY_NAME"]["type"] = "text"

    # When validators are built for it twice
    # Then it is refused both times, checked both times
    for _ in range(2):
        with pytest.raises(InvalidSchemaError):
            validator(FACILITY, json_schema=schema)
    assert len(checks) == 2


def test_a_schema_of_other_than_json_values_is_checked_every_time(checks):
    # Given a schema holding a tuple, which JSON text would read as a list
    schema = bundled_json_schema(FACILITY.schema_identifier)
    schema["required"] = tuple(schema["required"])

    # When validators are built for it twice
    for _ in range(2):
        with contextlib.suppress(InvalidSchemaError):
            validator(FACILITY, json_schema=schema)

    # Then it was checked both times (a tuple is never taken for the list it dumps as)
    assert len(checks) == 2


def test_no_more_sound_schemas_are_remembered_than_the_limit(checks, monkeypatch):
    # Given room for two schemas
    monkeypatch.setattr(schema_check, "CHECKED_SCHEMAS", 2)
    schemas = []
    for title in ("a", "b", "c"):
        schema = bundled_json_schema(FACILITY.schema_identifier)
        schema["title"] = title
        schemas.append(schema)

    # When validators are built for three schemas, twice
    for schema in schemas * 2:
        validator(FACILITY, json_schema=schema)

    # Then the third is checked each time, the first two once
    assert [schema["title"] for schema in checks] == ["a", "b", "c", "c"]
