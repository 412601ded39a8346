"""template.yaml, translated by SAM's own translator into plain CloudFormation.

The translated template is the single source of names, keys, routes and wiring for the
local stack; nothing here lists a resource by hand.
"""

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"


@dataclass(frozen=True)
class FunctionSource:
    """Where a function's code lives on disk (SAM's CodeUri, before translation)."""

    code_dir: Path
    handler: str
    layer_dirs: tuple[Path, ...]


@dataclass
class TranslatedTemplate:
    resources: dict[str, dict[str, Any]]
    parameters: dict[str, dict[str, Any]]
    outputs: dict[str, Any]
    parameter_values: dict[str, str]
    functions: dict[str, FunctionSource]
    #: Raw ASL text per state machine, placeholders not yet substituted.
    definitions: dict[str, str] = field(default_factory=dict)


class _NoManagedPolicies:
    """SAM asks for AWS managed policy ARNs by name; the template uses none by name."""

    def load(self) -> dict[str, str]:
        return {}


def translate(
    path: Path = TEMPLATE_PATH, parameter_overrides: dict[str, str] | None = None
) -> TranslatedTemplate:
    from cfnlint.decode import decode
    from samtranslator.translator.transform import transform

    sam, problems = decode(str(path))
    if problems or sam is None:
        raise ValueError(f"{path} does not parse: {problems}")
    base = path.parent
    layers = {
        name: base / resource["Properties"]["ContentUri"]
        for name, resource in sam["Resources"].items()
        if resource["Type"] == "AWS::Serverless::LayerVersion"
    }
    global_layers = sam.get("Globals", {}).get("Function", {}).get("Layers", [])
    functions: dict[str, FunctionSource] = {}
    definitions: dict[str, str] = {}
    for name, resource in sam["Resources"].items():
        properties = resource.get("Properties", {})
        match resource["Type"]:
            case "AWS::Serverless::Function":
                refs = properties.get("Layers", global_layers)
                functions[name] = FunctionSource(
                    code_dir=base / properties["CodeUri"],
                    handler=properties.get("Handler", ""),
                    layer_dirs=tuple(layers[ref["Ref"]] for ref in refs),
                )
                # The code is run from disk; CloudFormation only needs somewhere to point.
                properties["CodeUri"] = {"Bucket": "local-code", "Key": name}
            case "AWS::Serverless::LayerVersion":
                properties["ContentUri"] = {"Bucket": "local-code", "Key": name}
            case "AWS::Serverless::StateMachine":
                definitions[name] = (base / properties.pop("DefinitionUri")).read_text()
                # A stand-in the translator accepts; the local stack substitutes and
                # loads the real definition itself.
                properties["Definition"] = {"StartAt": "Local", "States": {}}
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    declared = sam.get("Parameters", {})
    check_overrides(declared, parameter_overrides or {})
    values = {
        name: str(spec["Default"]) for name, spec in declared.items() if "Default" in spec
    } | (parameter_overrides or {})
    cfn = transform(json.loads(json.dumps(sam)), values, _NoManagedPolicies())
    return TranslatedTemplate(
        resources=cfn["Resources"],
        parameters=cfn.get("Parameters", {}),
        outputs=cfn.get("Outputs", {}),
        parameter_values=values,
        functions=functions,
        definitions=definitions,
    )


def check_overrides(declared: dict[str, Any], overrides: dict[str, str]) -> None:
    """Refuses what `sam deploy` would: an unknown parameter, or a value outside its
    AllowedValues, AllowedPattern or MinValue/MaxValue. A stack that started with such a
    value would serve, then fail at its first request."""
    problems = []
    for name, value in overrides.items():
        spec = declared.get(name)
        if spec is None:
            problems.append(f"{name} is not a parameter of the template")
            continue
        allowed = spec.get("AllowedValues")
        if allowed is not None and value not in [str(option) for option in allowed]:
            problems.append(f"{name}={value!r} is not one of {allowed}")
        pattern = spec.get("AllowedPattern")
        if pattern is not None and re.fullmatch(pattern, value) is None:
            problems.append(f"{name}={value!r} does not match {pattern}")
        if spec.get("Type") == "Number":
            try:
                number = float(value)
            except ValueError:
                problems.append(f"{name}={value!r} is not a number")
                continue
            low, high = spec.get("MinValue"), spec.get("MaxValue")
            if (low is not None and number < float(low)) or (
                high is not None and number > float(high)
            ):
                problems.append(f"{name}={value} is outside [{low}, {high}]")
    if problems:
        raise ValueError("parameter overrides refused: " + "; ".join(problems))


#: The parameters without a default, given placeholders where only the shape matters.
PLACEHOLDER_PARAMETERS = {"AuthIssuer": "https://issuer.invalid", "AuthAudience": "placeholder"}


def write_translated(out: Path, path: Path = TEMPLATE_PATH) -> Path:
    """The translated template as CloudFormation JSON, for tools that read plain
    CloudFormation (checkov: the IAM roles, permissions and stages SAM makes). Code and
    state machine definitions are the local stack's placeholders."""
    template = translate(path, PLACEHOLDER_PARAMETERS)
    document = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": template.parameters,
        "Resources": template.resources,
        "Outputs": template.outputs,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    return out


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=write_translated.__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "checkov" / "template.json")
    write_translated(parser.parse_args().out)
