"""docs/openapi.json: the HTTP API's OpenAPI 3 document, written from the routes' code.

    python -m local.openapi            # (make openapi) writes docs/openapi.json
    python -m local.openapi --check    # exit 1 when the committed document is not the code's

Each function behind the template's HTTP API routes that has a Powertools resolver (its
module's `app`) gives its part, `app.get_openapi_schema()`: the routes' models, summaries
and error answers. Powertools' OpenAPIMerge joins the parts into one document. The
functions are imported by the local stack's runtime, with the environment the template
gives them, exactly as a request would import them. The web console's static files
(ConsoleFunction) have no resolver and are not part of the API's document.
"""

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from local.deployed import DeployedStack
from local.lambdas import InProcessRuntime

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"
_DESCRIPTION = (
    "Campaign spreadsheets into created records: the DIGIT project-factory API and the "
    "FileStore routes it needs. Every failure is `{ResponseInfo: null, Errors: [...]}` with "
    "a stable code. A token is API Gateway's to check (a JWT from the stack's issuer)."
)


def resolvers(stack: DeployedStack, runtime: InProcessRuntime) -> dict[str, APIGatewayHttpResolver]:
    """The HTTP API's resolvers by function, in the order of the template's routes."""
    found: dict[str, APIGatewayHttpResolver] = {}
    for route in stack.routes:
        logical_id = route.function_logical_id
        if logical_id in found:
            continue
        module = runtime.module_of(stack.functions[logical_id])
        app = getattr(module, "app", None)
        if isinstance(app, APIGatewayHttpResolver):
            found[logical_id] = app
    return found


def document(stack: DeployedStack, runtime: InProcessRuntime) -> str:
    """The merged document, as JSON text (stable: the same code gives the same bytes)."""
    merge = OpenAPIMerge(
        title="project-factory",
        version=_version(),
        description=_DESCRIPTION,
        security_schemes={"bearer": HTTPBearer(bearerFormat="JWT")},
        security=[{"bearer": []}],
        on_conflict="error",
    )
    for app in resolvers(stack, runtime).values():
        schema = app.get_openapi_schema().model_dump(by_alias=True, exclude_none=True)
        merge.add_schema(_without_422(schema))
    return merge.get_openapi_json_schema() + "\n"


#: What Powertools adds to every operation of a validating resolver, for its own 422 body.
_POWERTOOLS_422_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


def _without_422(schema: dict[str, Any]) -> dict[str, Any]:
    """The part without the 422 answer Powertools documents on every operation: its
    request validation errors are answered 400 in the DIGIT envelope (http_api), never
    with Powertools' body, so the document must not promise it."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("422", None)
                operation.get("responses", {}).pop(422, None)
    components = (schema.get("components") or {}).get("schemas") or {}
    for name in _POWERTOOLS_422_SCHEMAS:
        components.pop(name, None)
    return schema


def _version() -> str:
    project: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return str(project["project"]["version"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--out", type=Path, default=DOCUMENT)
    arguments = parser.parse_args(argv)
    from local.stack import LocalStack  # (it serves this module's document at /docs)

    with LocalStack(parameter_overrides={"LogLevel": "ERROR"}) as stack:
        assert stack.runtime is not None
        text = document(stack.stack, stack.runtime)
    if arguments.check:
        current = arguments.out.read_text() if arguments.out.exists() else ""
        if current != text:
            print(f"{arguments.out} is not the code's document: run make openapi", file=sys.stderr)
            return 1
        return 0
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(text)
    print(f"wrote {arguments.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
