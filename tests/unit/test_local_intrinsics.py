"""The local stack resolves every intrinsic the translated template uses, and refuses the
others (naming them) instead of handing them on unresolved."""

from typing import Any

import pytest

from local.intrinsics import Resolver, UnknownIntrinsic
from local.template import PLACEHOLDER_PARAMETERS, translate

PSEUDO = {"AWS::StackName": "pf", "AWS::Region": "us-east-1", "AWS::AccountId": "1"}


def resolver(parameters: dict[str, str] | None = None) -> Resolver:
    return Resolver(
        PSEUDO,
        parameters or {"Stage": "dev"},
        lambda name: f"physical-{name}",
        lambda name, attribute: f"{name}.{attribute}",
    )


def intrinsic_keys(value: Any) -> set[str]:
    """The keys of `value` (at any depth) that are intrinsic functions."""
    if isinstance(value, list):
        return set().union(*map(intrinsic_keys, value)) if value else set()
    if isinstance(value, dict):
        found = {key for key in value if key == "Ref" or key.startswith("Fn::")}
        return found.union(*map(intrinsic_keys, value.values()))
    return set()


def test_every_intrinsic_of_the_translated_template_resolves():
    # Given the translated template's resources and outputs, and the intrinsics they use
    template = translate(parameter_overrides=PLACEHOLDER_PARAMETERS)
    fragments = [resource.get("Properties", {}) for resource in template.resources.values()]
    fragments += [output["Value"] for output in template.outputs.values()]
    used = intrinsic_keys(fragments)
    assert {"Ref", "Fn::Sub", "Fn::GetAtt"} <= used
    # When they are resolved
    resolved = resolver(template.parameter_values).resolve(fragments)
    # Then none is refused and none is left
    assert len(resolved) == len(fragments)
    assert intrinsic_keys(resolved) == set()


def test_the_known_intrinsics_resolve_as_cloudformation_resolves_them():
    # Given one fragment of each intrinsic the local stack knows
    fragment = {
        "ref": {"Ref": "Table"},
        "parameter": {"Ref": "Stage"},
        "pseudo": {"Ref": "AWS::Region"},
        "att": {"Fn::GetAtt": "Table.Arn"},
        "att_list": {"Fn::GetAtt": ["Table", "StreamArn"]},
        "sub": {"Fn::Sub": "${AWS::StackName}-${Stage}-${Table}-${Table.Arn}"},
        "sub_variables": {"Fn::Sub": ["${A}/${Stage}", {"A": {"Ref": "Bucket"}}]},
        "join": {"Fn::Join": ["/", ["a", {"Ref": "Stage"}]]},
        "select": {"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]},
    }
    # When it is resolved
    resolved = resolver().resolve(fragment)
    # Then each is its value
    assert resolved == {
        "ref": "physical-Table",
        "parameter": "dev",
        "pseudo": "us-east-1",
        "att": "Table.Arn",
        "att_list": "Table.StreamArn",
        "sub": "pf-dev-physical-Table-Table.Arn",
        "sub_variables": "physical-Bucket/dev",
        "join": "a/dev",
        "select": "y",
    }


@pytest.mark.parametrize(
    "intrinsic",
    [
        {"Fn::If": ["IsProd", "a", {"Ref": "AWS::NoValue"}]},
        {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        {"Fn::ImportValue": "shared-vpc"},
        {"Fn::FindInMap": ["Sizes", "dev", "memory"]},
        {"Fn::Base64": "text"},
    ],
    ids=lambda intrinsic: next(iter(intrinsic)),
)
def test_an_intrinsic_the_local_stack_does_not_resolve_is_refused_by_name(intrinsic):
    # Given a resource whose properties use an intrinsic the local stack does not know,
    # deep in a list
    (name,) = intrinsic
    properties = {"Environment": {"Variables": {"A": "a", "B": [intrinsic]}}}
    # When / Then resolving them refuses it, naming it and what it was given
    with pytest.raises(UnknownIntrinsic, match=rf"^{name} is not resolved by the local stack"):
        resolver().resolve(properties)


def test_an_intrinsic_beside_other_keys_is_refused():
    # Given a Ref written beside another key (CloudFormation would refuse the template)
    fragment = {"Ref": "Table", "Extra": 1}
    # When / Then resolving it refuses it rather than passing it through
    with pytest.raises(UnknownIntrinsic, match="Ref must be the only key of its mapping"):
        resolver().resolve(fragment)


def test_plain_mappings_and_lists_are_resolved_through():
    # Given data with no intrinsic, one-key mappings included
    fragment = {"Condition": {"StringEquals": {"a": "b"}}, "Tags": [{"Key": "k"}], "n": 1}
    # When / Then it is resolved to itself
    assert resolver().resolve(fragment) == fragment
