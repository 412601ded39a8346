"""Settings with no safe default are required: a function started without one fails at its
cold start, naming it (#15), and template.yaml gives every function each of them."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from local.template import ROOT
from project_factory.settings import Settings
from tests.support.settings import WIRED, WIRED_ENVIRONMENT

REQUIRED = sorted(name for name, field in Settings.model_fields.items() if field.is_required())


def test_the_storage_and_workflow_names_are_the_required_settings():
    # Given / When / Then what has no safe default is exactly what template.yaml wires
    assert sorted(WIRED) == REQUIRED
    assert "resources_table" in REQUIRED and "resource_create_state_machine_arn" in REQUIRED


@pytest.mark.parametrize("name", REQUIRED)
def test_a_function_without_a_required_setting_fails_naming_it(name):
    # Given an environment that lacks one of them
    environment = {key: value for key, value in WIRED_ENVIRONMENT.items() if key != name.upper()}

    # When / Then reading the settings fails, and the failure names the missing one
    with pytest.raises(ValidationError, match=name) as refused:
        Settings.from_environment(environment)
    assert [error["loc"] for error in refused.value.errors()] == [(name,)]


@pytest.mark.parametrize("name", REQUIRED)
def test_an_empty_required_setting_is_refused(name):
    # Given an environment where one of them is set but empty
    # When / Then it is refused like a missing one
    with pytest.raises(ValidationError, match=name):
        Settings.from_environment(WIRED_ENVIRONMENT | {name.upper(): ""})


def test_every_function_is_given_every_required_setting():
    # Given template.yaml's variables for every function (Globals)
    from cfnlint.decode import decode

    sam, _ = decode(str(Path(ROOT / "template.yaml")))
    variables = sam["Globals"]["Function"]["Environment"]["Variables"]

    # When / Then each required setting is among them
    missing = [name for name in REQUIRED if name.upper() not in variables]
    assert REQUIRED and missing == []


@pytest.mark.parametrize(
    ("choice", "url"),
    [
        ({"FACILITY_TARGET": "digit"}, "FACILITY_SERVICE_URL"),
        ({"USER_TARGET": "digit"}, "HRMS_SERVICE_URL"),
        ({"BOUNDARY_TARGET": "digit"}, "BOUNDARY_SERVICE_URL"),
        ({"PROJECT_TARGET": "digit"}, "PROJECT_SERVICE_URL"),
        ({"BOUNDARY_SOURCE": "digit"}, "BOUNDARY_SERVICE_URL"),
        ({"SCHEMA_SOURCE": "mdms"}, "MDMS_URL"),
    ],
)
def test_a_chosen_service_without_its_url_fails_at_start_naming_it(choice, url):
    # Given an environment that chooses a DIGIT service but gives no address for it
    environment = WIRED_ENVIRONMENT | choice

    # When / Then reading the settings fails, naming the missing URL and the choice
    with pytest.raises(ValidationError, match=f"{url} \\({next(iter(choice))} is"):
        Settings.from_environment(environment)

    # And with the URL given, the same choice is accepted
    given = Settings.from_environment(environment | {url: "http://127.0.0.1:9"})
    assert getattr(given, url.lower()) == "http://127.0.0.1:9"
