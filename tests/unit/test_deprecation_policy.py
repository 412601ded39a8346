"""pyproject.toml's warning filters: a deprecation our code sets off is an error; one a
dependency sets off in its own code is shown, not raised (nor hidden)."""

import types
import warnings

import pytest


def dependency(name: str) -> types.ModuleType:
    """A module named like a dependency, whose code warns of its own deprecated use."""
    module = types.ModuleType(name)
    exec(
        "import warnings\n"
        "def old_api():\n"
        "    warnings.warn('old_api is deprecated', DeprecationWarning, stacklevel=1)\n",
        module.__dict__,
    )
    return module


def test_a_deprecation_in_our_code_is_an_error():
    # Given / When a deprecated use attributed to one of our modules (this test's)
    # Then it raises
    with pytest.raises(DeprecationWarning, match="ours"):
        warnings.warn("ours", DeprecationWarning, stacklevel=1)


@pytest.mark.parametrize("name", ["botocore.auth", "localstack", "pfx", "testsuite"])
def test_a_deprecation_in_a_dependencys_code_is_shown_not_raised(name):
    # Given a dependency (whose name merely starts like ours, for some) warning in its code
    # When it warns, under the configured filters (pytest.warns would replace them)
    with warnings.catch_warnings(record=True) as shown:
        dependency(name).old_api()
    # Then the warning is recorded, not raised
    assert [str(warning.message) for warning in shown] == ["old_api is deprecated"]


@pytest.mark.parametrize(
    "name", ["project_factory.sheets", "local.lambdas", "local_functions.X.app", "pf", "tests.x"]
)
def test_a_deprecation_in_any_of_our_packages_is_an_error(name):
    with pytest.raises(DeprecationWarning):
        dependency(name).old_api()
