"""The local stack refuses parameter overrides that `sam deploy` would refuse."""

import pytest

from local.template import translate


@pytest.mark.parametrize(
    ("override", "said"),
    [
        ({"NoSuchParameter": "1"}, "NoSuchParameter is not a parameter"),
        ({"MaxRetries": "99"}, r"MaxRetries=99 is outside \[1, 10\]"),
        ({"MaxRetries": "many"}, "is not a number"),
        ({"RegistryTransientFailureRate": "abc"}, "does not match"),
        ({"SchemaSource": "elsewhere"}, "is not one of"),
    ],
)
def test_an_override_sam_deploy_would_refuse_stops_the_start(override, said):
    # Given an override outside what the template allows
    # When the template is translated with it
    # Then it is refused at once, saying which and why
    with pytest.raises(ValueError, match=said):
        translate(parameter_overrides=override)


def test_overrides_within_the_template_are_taken():
    # Given overrides the template allows
    # When the template is translated with them
    translated = translate(parameter_overrides={"MaxRetries": "2", "SchemaSource": "mdms"})
    # Then they are the values in force
    assert translated.parameter_values["MaxRetries"] == "2"
    assert translated.parameter_values["SchemaSource"] == "mdms"
