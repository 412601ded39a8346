"""Tokens on the local stack: a development issuer, and API Gateway's JWT authorizer check.

The development issuer is an RSA key made once per machine (`.local/dev-signing-key.json`,
never committed: its directory ignores itself), with an issuer and an audience of its own.
The local stack trusts it when AuthIssuer is not overridden, and `make token` mints with it:

    make token TENANT=mz ROLES=CAMPAIGN_ADMIN     # prints a JWT valid for an hour
    .venv/bin/python -m local.auth --tenant mz.chimoio --roles CAMPAIGN_VIEWER --ttl 600

`JwtAuthorizer` is what API Gateway does for a route with a JWT authorizer before it invokes
anything: the token from the identity source (optionally after `Bearer `), an RSA signature
by a key of the issuer's JWKS (found by `kid`), `iss` equal to the issuer, `aud` (or, with
no `aud`, `client_id`) one of the audiences, `exp` in the future, `nbf` and `iat` not. A
failure is API Gateway's 401 `{"message":"Unauthorized"}` with a `www-authenticate` header
saying why. The claims reach the event as API Gateway passes them: every value a string,
arrays as `[a b]`, objects as JSON text.

For an issuer other than the development one, its keys are fetched as API Gateway fetches
them: `<issuer>/.well-known/openid-configuration`, then its `jwks_uri` (kept two hours).
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The machine's development key; DEV_KEY_FILE overrides it (make token, make serve).
DEFAULT_KEY_PATH = ROOT / ".local" / "dev-signing-key.json"
DEV_ISSUER = "https://dev-issuer.project-factory.local"
DEV_AUDIENCE = "project-factory-local"
#: What API Gateway's JWT authorizers accept: RSA signatures only.
RSA_ALGORITHMS = ("RS256", "RS384", "RS512")
JWKS_CACHE_SECONDS = 2 * 3600
DEFAULT_ADMIN_ROLE = "CAMPAIGN_ADMIN"


def key_path(path: Path | str | None = None) -> Path:
    return Path(path or os.environ.get("DEV_KEY_FILE") or DEFAULT_KEY_PATH)


@dataclass(frozen=True)
class DevIssuer:
    """The local development issuer: one RSA key, its issuer and its audience."""

    issuer: str
    audience: str
    private_jwk: Mapping[str, Any]
    path: Path

    @classmethod
    def load_or_create(cls, path: Path | str | None = None) -> "DevIssuer":
        """The issuer of the key file at `path` (the machine's by default), made when
        missing. Made atomically: processes starting at once all end up with one key."""
        path = key_path(path)
        if not path.exists():
            _create_key_file(path)
        document = json.loads(path.read_text())
        return cls(
            issuer=document["issuer"],
            audience=document["audience"],
            private_jwk=document["key"],
            path=path,
        )

    @cached_property
    def key(self) -> Any:
        from joserfc.jwk import RSAKey

        return RSAKey.import_key(dict(self.private_jwk))

    @property
    def kid(self) -> str:
        return str(self.private_jwk["kid"])

    def jwks(self) -> Mapping[str, Any]:
        """The public key set, as the issuer's jwks_uri would serve it."""
        return self._jwks

    @cached_property
    def _jwks(self) -> Mapping[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def mint(
        self,
        *,
        tenants: Sequence[str] = (),
        roles: Sequence[str] = (),
        subject: str = "dev-user",
        ttl_seconds: int = 3600,
        issuer: str | None = None,
        audience: str | None = None,
        extra_claims: Mapping[str, Any] | None = None,
        now: float | None = None,
    ) -> str:
        """A signed JWT with the tenants and roles claims (default names: tenants, roles)."""
        from joserfc import jwt

        issued = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "iss": issuer or self.issuer,
            "aud": audience or self.audience,
            "sub": subject,
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl_seconds,
            "jti": str(uuid.uuid4()),
        }
        if tenants:
            claims["tenants"] = list(tenants)
        if roles:
            claims["roles"] = list(roles)
        claims.update(extra_claims or {})
        return jwt.encode({"alg": "RS256", "kid": self.kid}, claims, self.key)


def _create_key_file(path: Path) -> None:
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"alg": "RS256", "use": "sig"})
    key.ensure_kid()
    document = {
        "issuer": DEV_ISSUER,
        "audience": DEV_AUDIENCE,
        "key": key.as_dict(private=True),
        "note": "the local stack's development issuer; never use it outside this machine",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if path.parent.name == ".local" and not ignore.exists():
        # The directory keeps itself out of git: the key never gets committed.
        ignore.write_text("*\n")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".dev-key-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as file:
            json.dump(document, file, indent=1)
        os.chmod(temporary, 0o600)
        # A link fails when the file exists: whoever came first wins, nobody reads half.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


# ---------------------------------------------------------------------- the authorizer
@dataclass(frozen=True)
class JwtConfiguration:
    """An HTTP API's JWT authorizer, as the translated template's OpenAPI body has it."""

    name: str
    issuer: str
    audience: tuple[str, ...]
    identity_source: str = "$request.header.Authorization"


class Denied(Exception):
    """The token is refused: 401, with the reason in www-authenticate."""

    def __init__(self, description: str, status: int = 401) -> None:
        super().__init__(description)
        self.description = description
        self.status = status

    def response(self) -> tuple[int, dict[str, str], bytes]:
        if self.status == 403:
            return 403, {"content-type": "application/json"}, b'{"message":"Forbidden"}'
        challenge = f'Bearer scope="" error="invalid_token" error_description="{self.description}"'
        return (
            401,
            {"content-type": "application/json", "www-authenticate": challenge},
            b'{"message":"Unauthorized"}',
        )


#: The keys of an issuer: a JWKS document (dict) for a `kid`, fetched or local.
KeySource = Callable[[], Mapping[str, Any]]


class RemoteJwks:
    """An issuer's keys fetched as API Gateway fetches them (OIDC discovery), cached."""

    def __init__(self, issuer: str, timeout: tuple[float, float] = (3.05, 10)) -> None:
        self.issuer = issuer.rstrip("/")
        self.timeout = timeout
        self._keys: Mapping[str, Any] | None = None
        self._fetched = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> Mapping[str, Any]:
        import requests

        with self._lock:
            if self._keys is None or time.monotonic() - self._fetched > JWKS_CACHE_SECONDS:
                discovery = requests.get(
                    f"{self.issuer}/.well-known/openid-configuration", timeout=self.timeout
                )
                discovery.raise_for_status()
                keys = requests.get(discovery.json()["jwks_uri"], timeout=self.timeout)
                keys.raise_for_status()
                self._keys = keys.json()
                self._fetched = time.monotonic()
            return self._keys


class JwtAuthorizer:
    def __init__(
        self,
        configuration: JwtConfiguration,
        keys: KeySource,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.configuration = configuration
        self.keys = keys
        self.clock = clock
        self._key_set: tuple[Mapping[str, Any], Any] | None = None

    def _keys(self) -> Any:
        from joserfc.jwk import KeySet

        document = self.keys()
        if self._key_set is None or self._key_set[0] is not document:
            self._key_set = (document, KeySet.import_key_set(dict(document)))
        return self._key_set[1]

    def verify(self, headers: Mapping[str, str], scopes: Sequence[str] = ()) -> dict[str, Any]:
        """The token's claims, or Denied saying why (API Gateway's checks, in its order)."""
        from joserfc import jws, jwt
        from joserfc.errors import JoseError

        token = self._token(headers)
        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError, UnicodeError) as error:
            raise Denied("the token is not a valid JWT") from error
        algorithm = header.get("alg")
        if algorithm not in RSA_ALGORITHMS:
            # (only letters and digits of it: it goes into a header)
            shown = "".join(c for c in str(algorithm)[:32] if c.isalnum()) or "?"
            raise Denied(f"signing method {shown} is invalid")
        try:
            key_set = self._keys()
        except Exception as error:
            raise Denied("the issuer's keys could not be read") from error
        try:
            key = key_set.get_by_kid(str(header.get("kid")))
        except JoseError as error:
            raise Denied("the token's kid is not a key of the issuer") from error
        try:
            claims = jwt.decode(token, key, algorithms=[algorithm]).claims
        except JoseError as error:
            raise Denied("the token's signature is invalid") from error
        self._check_claims(claims)
        if scopes and not set(scopes) & set(_token_scopes(claims)):
            raise Denied("the token has none of the route's scopes", status=403)
        return claims

    def _token(self, headers: Mapping[str, str]) -> str:
        source = self.configuration.identity_source
        prefix = "$request.header."
        if not source.startswith(prefix):
            raise NotImplementedError(f"identity source {source} is not emulated locally")
        value = headers.get(source.removeprefix(prefix).lower(), "").strip()
        scheme, _, rest = value.partition(" ")
        if scheme.lower() == "bearer":
            value = rest.strip()
        if not value:
            raise Denied(f"no token in {source.removeprefix(prefix)}")
        return value

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        now = self.clock()
        if claims.get("iss") != self.configuration.issuer:
            raise Denied("the token does not have a valid issuer")
        audiences = claims.get("aud")
        if audiences is None:
            audiences = claims.get("client_id")
        if isinstance(audiences, str):
            audiences = [audiences]
        if not isinstance(audiences, list) or not set(audiences) & set(self.configuration.audience):
            raise Denied("the token does not have a valid audience")
        expires = _number(claims.get("exp"))
        if expires is None or expires <= now:
            raise Denied("the token has expired")
        not_before = _number(claims.get("nbf"))
        if not_before is not None and not_before > now:
            raise Denied("the token is not valid yet")
        issued = _number(claims.get("iat"))
        if issued is not None and issued > now:
            raise Denied("the token was issued in the future")


def authorizers_for(
    configurations: Mapping[str, JwtConfiguration], dev: DevIssuer | None
) -> dict[str, JwtAuthorizer]:
    """An authorizer per configuration: the development issuer's key for its issuer, the
    issuer's published keys (OIDC discovery) for any other."""
    authorizers = {}
    for name, configuration in configurations.items():
        if dev is not None and configuration.issuer == dev.issuer:
            keys: KeySource = dev.jwks
        else:
            keys = RemoteJwks(configuration.issuer)
        authorizers[name] = JwtAuthorizer(configuration, keys)
    return authorizers


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _token_scopes(claims: Mapping[str, Any]) -> list[str]:
    for name in ("scp", "scope"):
        value = claims.get(name)
        if isinstance(value, list):
            return [str(item) for item in value]
        if isinstance(value, str):
            return value.split()
    return []


def event_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway puts them in a payload 2.0 event: each value a string."""
    return {
        name: _claim_text(value, top=True) for name, value in claims.items() if value is not None
    }


def _claim_text(value: Any, top: bool = False) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and top:
        return "[" + " ".join(_claim_text(item) for item in value) + "]"
    return json.dumps(value, separators=(",", ":"))


# ---------------------------------------------------------------------- make token
def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="make token", description="Mint a JWT of the local stack's development issuer."
    )
    parser.add_argument(
        "--tenant", default="mz", help="tenant(s), comma-separated (a state covers below it)"
    )
    parser.add_argument("--roles", default=DEFAULT_ADMIN_ROLE, help="role code(s), comma-separated")
    parser.add_argument("--subject", default="dev-user", help="sub of the token")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds the token is valid")
    parser.add_argument("--key", default=None, help=f"key file (default {DEFAULT_KEY_PATH})")
    parser.add_argument(
        "--digit",
        action="store_true",
        help="DIGIT's userInfo claim ({tenantId, roles: [{code, tenantId}]}) instead of "
        "the tenants and roles claims",
    )
    arguments = parser.parse_args(argv)
    tenants = [part for part in arguments.tenant.replace(" ", ",").split(",") if part]
    roles = [part for part in arguments.roles.replace(" ", ",").split(",") if part]
    issuer = DevIssuer.load_or_create(arguments.key)
    if arguments.digit:
        userinfo = {
            "uuid": arguments.subject,
            "tenantId": tenants[0] if tenants else None,
            "roles": [{"code": role, "tenantId": tenant} for tenant in tenants for role in roles],
        }
        token = issuer.mint(
            subject=arguments.subject,
            ttl_seconds=arguments.ttl,
            extra_claims={"userInfo": userinfo},
        )
    else:
        token = issuer.mint(
            tenants=tenants, roles=roles, subject=arguments.subject, ttl_seconds=arguments.ttl
        )
    print(token)
    print(
        f"# {issuer.issuer} for {issuer.audience}: tenants {','.join(tenants)}, roles "
        f"{','.join(roles)}, {arguments.ttl} s (key {issuer.path})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
