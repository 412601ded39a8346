"""The HTTP API of a translated template as the local stack serves it: the routes SAM wrote
into the API's OpenAPI body, each with its function and authorizer, and the JWT
authorizers (local/deploy.py)."""

from collections.abc import Iterable
from typing import Any

from local.auth import JwtConfiguration
from local.deployed import DeployedFunction, Route


def http_api_routes(
    body: dict[str, Any], functions: Iterable[DeployedFunction]
) -> tuple[dict[str, JwtConfiguration], list[Route]]:
    """The API's JWT authorizers by name, and its routes."""
    authorizers: dict[str, JwtConfiguration] = {}
    routes: list[Route] = []
    # SAM writes the HttpApi's Auth into the OpenAPI body: the authorizers as security
    # schemes, each route's as its `security` (`NONE`: open).
    schemes = body.get("components", {}).get("securitySchemes", {})
    for name, scheme in schemes.items():
        authorizers[name] = _jwt_authorizer(name, scheme)
    function_by_arn = {f.arn: f.logical_id for f in functions}
    for path, methods in body.get("paths", {}).items():
        for method, operation in methods.items():
            uri = operation["x-amazon-apigateway-integration"]["uri"]
            arn = uri.split("/functions/", 1)[1].removesuffix("/invocations")
            verb = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
            authorizer, scopes = _route_security(operation.get("security") or [], schemes)
            routes.append(Route(verb, path, function_by_arn[arn], authorizer, tuple(scopes)))
    return authorizers, routes


def _jwt_authorizer(name: str, scheme: dict[str, Any]) -> JwtConfiguration:
    authorizer = scheme.get("x-amazon-apigateway-authorizer") or {}
    if authorizer.get("type") != "jwt":
        raise NotImplementedError(
            f"the local stack emulates JWT authorizers only, not {name} "
            f"({authorizer.get('type') or scheme.get('type')})"
        )
    configuration = authorizer["jwtConfiguration"]
    audience = configuration.get("audience") or []
    return JwtConfiguration(
        name=name,
        issuer=str(configuration["issuer"]),
        audience=tuple(str(item) for item in audience),
        identity_source=str(authorizer.get("identitySource", "$request.header.Authorization")),
    )


def _route_security(
    security: list[dict[str, list[str]]], schemes: dict[str, Any]
) -> tuple[str | None, list[str]]:
    for requirement in security:
        for name, scopes in requirement.items():
            if name == "NONE":
                return None, []
            if name not in schemes:
                raise NotImplementedError(f"a route names the authorizer {name}, not declared")
            return name, list(scopes or [])
    return None, []
