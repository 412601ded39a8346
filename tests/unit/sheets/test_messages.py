import json
from importlib import resources

import pytest

from project_factory.sheets.messages import Messages, load_bundled_messages, normalise_text
from project_factory.sheets.schema import bundled_json_schema

CATALOGUES = {
    "en_IN": {"NAME": "Facility Name", "ONLY_EN": "English only"},
    "fr_FR": {"NAME": "Nom de l'établissement"},
}


def test_a_code_reads_as_its_text_in_the_locale():
    # Given catalogues in two locales
    messages = Messages(CATALOGUES)

    # When / Then the French text is given for fr_FR, also spelled fr-FR
    assert messages.text("NAME", "fr_FR") == "Nom de l'établissement"
    assert messages.text("NAME", "fr-FR") == "Nom de l'établissement"


def test_a_code_missing_in_a_locale_falls_back_to_the_default_locale_then_to_itself():
    # Given a code only the default locale knows
    messages = Messages(CATALOGUES)

    # When / Then French falls back to English, and an unknown code to the code
    assert messages.text("ONLY_EN", "fr_FR") == "English only"
    assert messages.text("UNKNOWN_CODE", "fr_FR") == "UNKNOWN_CODE"


def test_an_unknown_locale_uses_the_default_one():
    # Given / When / Then
    assert Messages(CATALOGUES).text("NAME", "pt_MZ") == "Facility Name"


def test_a_template_is_filled_with_its_parameters():
    # Given a template with placeholders
    messages = Messages({"en_IN": {"ERR": "{column} must be at least {limit}"}})

    # When it is formatted
    text = messages.format("ERR", "en_IN", column="Capacity", limit=1)

    # Then the placeholders are filled
    assert text == "Capacity must be at least 1"


@pytest.mark.parametrize(
    "spelling", ["NAME", "Facility Name", "  facility   NAME ", "Nom de l'établissement"]
)
def test_a_header_is_recognised_by_code_or_text_in_any_locale_and_any_case(spelling):
    # Given the lookup of a column
    lookup = Messages(CATALOGUES).lookup(["NAME"])

    # When / Then each spelling, normalised, finds the code
    assert lookup[normalise_text(spelling)] == "NAME"


def test_a_default_locale_without_catalogue_is_refused():
    # Given / When / Then
    with pytest.raises(ValueError, match="default locale"):
        Messages({"fr_FR": {}})


def test_bundled_locales_define_the_same_codes():
    # Given the bundled catalogue files
    folder = resources.files("project_factory").joinpath("data", "messages")
    catalogues = {
        entry.name: set(json.loads(entry.read_text(encoding="utf-8"))) for entry in folder.iterdir()
    }

    # When / Then there are at least two locales and they know the same codes
    assert len(catalogues) >= 2
    assert len({frozenset(codes) for codes in catalogues.values()}) == 1


@pytest.mark.parametrize(
    "identifier", ["facility.all", "user.all", "boundary.all", "boundaryWithTarget.all"]
)
def test_every_bundled_column_has_a_header_text_in_every_locale(identifier):
    # Given the bundled messages and a bundled schema
    messages = load_bundled_messages()
    columns = bundled_json_schema(identifier)["x-columns"]

    # When / Then every column reads as text, not as its code, in every locale (there are
    # columns and locales to check)
    assert columns and len(messages.locales) >= 2
    for locale in messages.locales:
        assert all(messages.text(column, locale) != column for column in columns)
