"""docs/openapi.json is the code's: written from the API functions' resolvers, it changes
when a route, a model or an error answer changes, and `make openapi` writes it again."""

import json

from local.openapi import DOCUMENT, document, resolvers
from project_factory.http_api import API_ROUTES

#: routes that serve the web console's files: no resolver, not part of the API's document
CONSOLE_ROUTES = {"GET /", "GET /console/{proxy+}"}


def _operations(text: str) -> set[str]:
    paths = json.loads(text)["paths"]
    return {f"{method.upper()} {path}" for path, methods in paths.items() for method in methods}


def test_the_committed_document_is_the_one_the_code_writes(stack):
    # Given the API functions of the running template
    # When their resolvers write the document
    written = document(stack.stack, stack.runtime)
    # Then it is docs/openapi.json, byte for byte (else: make openapi, and commit it)
    assert written == DOCUMENT.read_text(), "docs/openapi.json is stale: run make openapi"


def test_the_document_has_every_route_of_the_api_and_only_those(stack):
    # Given the document the code writes
    operations = _operations(document(stack.stack, stack.runtime))
    # Then it names each API route of the template, and no other (the console's aside)
    assert operations == API_ROUTES - CONSOLE_ROUTES
    assert len(operations) == 11


def test_every_function_behind_an_api_route_but_the_console_has_a_resolver(stack):
    # Given the functions the template's routes invoke
    behind_routes = {route.function_logical_id for route in stack.stack.routes}
    # When the resolvers are looked for
    found = resolvers(stack.stack, stack.runtime)
    # Then each is there but the console's, which serves files
    assert set(found) == behind_routes - {"ConsoleFunction"}
    assert "DataApiFunction" in found


def test_every_failure_is_documented_in_the_digit_envelope(stack):
    # Given the document
    spec = json.loads(document(stack.stack, stack.runtime))
    checked = 0
    for path, methods in spec["paths"].items():
        if path == "/health":
            continue
        for operation in methods.values():
            responses = operation["responses"]
            # Then every operation documents its 400, 403 and 5xx as ErrorResponse, never
            # Powertools' 422 (the API answers 400 in the DIGIT envelope)
            assert "422" not in responses, path
            for status in ("400", "403", "500", "503"):
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (path, status)
            checked += 1
    assert checked == 10


def test_health_is_open_and_everything_else_needs_a_bearer_token(stack):
    # Given the document
    spec = json.loads(document(stack.stack, stack.runtime))
    # Then its default security is the bearer JWT, and /health alone is open
    assert spec["security"] == [{"bearer": []}]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert spec["paths"]["/health"]["get"]["security"] == []
    secured = [
        operation
        for path, methods in spec["paths"].items()
        if path != "/health"
        for operation in methods.values()
    ]
    assert secured and all("security" not in operation for operation in secured)
