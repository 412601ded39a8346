"""What the local stack's deployer made of the template: its functions, the HTTP API's
routes and authorizers, and every resource's physical id and ARN."""

import hashlib
import re
from dataclasses import dataclass, field

from local.auth import JwtConfiguration
from local.template import FunctionSource


@dataclass(frozen=True)
class DeployedFunction:
    logical_id: str
    name: str
    arn: str
    source: FunctionSource
    environment: dict[str, str]


#: The route API Gateway sends what no other route matches (SAM: `Path: $default`).
DEFAULT_ROUTE = "$default"
#: The HTTP API's ApiEndpoint here: loopback, at whatever port it is served on.
LOOPBACK_API_ENDPOINT = "http://127.0.0.1:*"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function_logical_id: str
    #: the route's authorizer (a key of DeployedStack.authorizers), None when it is open
    authorizer: str | None = None
    #: authorization scopes the route asks of the token (one of them), if any
    scopes: tuple[str, ...] = ()

    @property
    def is_default(self) -> bool:
        return self.path == DEFAULT_ROUTE

    @property
    def key(self) -> str:
        """The route key of API Gateway's events: `POST /a/b`, or `$default`."""
        return DEFAULT_ROUTE if self.is_default else f"{self.method} {self.path}"

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\\\{([^}/]+)\\\+\\\}", r"(?P<\1>.+)", re.escape(self.path))
        regex = re.sub(r"\\\{([^}/+]+)\\\}", r"(?P<\1>[^/]+)", regex)
        return re.compile(f"^{regex}$")


@dataclass
class DeployedStack:
    name: str
    region: str
    physical_ids: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    functions: dict[str, DeployedFunction] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    #: the HTTP API's JWT authorizers by name (issuer and audiences resolved)
    authorizers: dict[str, JwtConfiguration] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> dict[str, str]:
        return {
            logical: self.physical_ids[logical]
            for logical, kind in self.types.items()
            if kind == resource_type
        }


def physical_name(stack: str, logical_id: str, limit: int = 64) -> str:
    # CloudFormation appends a random suffix; a stable one keeps local runs reproducible.
    suffix = hashlib.sha256(f"{stack}/{logical_id}".encode()).hexdigest()[:12].upper()
    return f"{stack}-{logical_id[: max(1, limit - len(stack) - 14)]}-{suffix}"
