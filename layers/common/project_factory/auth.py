"""Who is calling: the tenants and roles of the token API Gateway verified, per request.

API Gateway's JWT authorizer checks the token (signature, issuer, audience, expiry) before
any function runs and answers 401 itself; it hands the function the token's claims at
`requestContext.authorizer.jwt.claims`. This module turns those claims into a `Caller`:
grants of a role in a tenant, read from

- the tenants claim (`AUTH_TENANTS_CLAIM`, default `tenants`) and the roles claim
  (`AUTH_ROLES_CLAIM`, default `roles`): every role is held in every listed tenant; a role
  given as DIGIT's `{code, tenantId}` object is held in its own tenant;
- DIGIT's userInfo (`AUTH_USERINFO_CLAIM`, default `userInfo`) where the token has it:
  `{uuid, tenantId, roles: [{code, tenantId}]}`, each role in its tenant (else the user's).

API Gateway passes every claim as a string: an array as `[a b]`, an object as JSON text
(Go's `map[k:v]` rendering is read too; `claim_values.py`); claims given as JSON values are
taken as they are.

DIGIT tenants nest: a grant in `mz` (the state) covers `mz.chimoio`. A tenant outside
every grant is 403 TENANT_FORBIDDEN; a tenant granted without a role the action needs is
403 ROLE_FORBIDDEN; an event without verified claims is 401 UNAUTHENTICATED (a route left
without the authorizer: it never reaches the flows).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from project_factory.claim_values import claim_value
from project_factory.domain.requests import RequestInfo, UserInfo
from project_factory.domain.tenants import tenant_id_problem
from project_factory.errors import ForbiddenError, UnauthenticatedError
from project_factory.settings import Settings

_SEPARATORS = re.compile(r"[,\s]+")


class Action(StrEnum):
    """What a route does, as far as roles go."""

    #: create (and validate, retry) resources, generate templates, upload files, change campaigns
    ADMIN = "admin"
    #: search resources and campaigns, download templates, fetch files
    READ = "read"


@dataclass(frozen=True)
class Grant:
    """A role held in a tenant (and in every tenant below it)."""

    tenant: str
    role: str


def tenant_covers(granted: str, tenant: str) -> bool:
    """Whether a grant in `granted` reaches `tenant`: the same tenant, or one below it."""
    return tenant == granted or tenant.startswith(f"{granted}.")


def role_names(text: str) -> frozenset[str]:
    """A comma-separated list of role codes (a setting) as a set."""
    return frozenset(part for part in _SEPARATORS.split(text) if part)


@dataclass(frozen=True)
class Caller:
    subject: str
    #: the tenants the token names (its tenants claim, userInfo's tenant, its roles' tenants)
    tenants: frozenset[str] = field(default_factory=frozenset)
    grants: frozenset[Grant] = field(default_factory=frozenset)
    #: AUTH_MODE=off: every tenant, every action (tests of other things only)
    unrestricted: bool = False

    def covers(self, tenant: str) -> bool:
        """Whether the token names `tenant` or a tenant above it (roles aside)."""
        return self.unrestricted or any(tenant_covers(t, tenant) for t in self.tenants)

    def can(self, tenant: str, action: Action, settings: Settings) -> bool:
        if self.unrestricted:
            return True
        allowed = roles_for(action, settings)
        return any(g.role in allowed and tenant_covers(g.tenant, tenant) for g in self.grants)

    def require(self, tenant: str, action: Action, settings: Settings) -> None:
        """Nothing when the caller may do `action` in `tenant`; else 403 saying why."""
        if self.can(tenant, action, settings):
            return
        if not self.covers(tenant):
            raise ForbiddenError(
                f"the caller has no access to tenant {tenant}",
                code="TENANT_FORBIDDEN",
                tenantId=tenant,
            )
        needed = sorted(roles_for(action, settings))
        raise ForbiddenError(
            f"{action.value} actions in tenant {tenant} need one of the roles {', '.join(needed)}",
            code="ROLE_FORBIDDEN",
            tenantId=tenant,
            action=action.value,
        )

    def request_info(self, request_info: RequestInfo) -> RequestInfo:
        """The request's RequestInfo with the verified user as userInfo.uuid: what is
        stored as createdBy/lastModifiedBy comes from the token, not from the body."""
        if self.unrestricted:
            return request_info
        user = request_info.userInfo or UserInfo()
        return request_info.model_copy(
            update={"userInfo": user.model_copy(update={"uuid": self.subject})}
        )


def roles_for(action: Action, settings: Settings) -> frozenset[str]:
    admin = role_names(settings.auth_admin_roles)
    return admin if action is Action.ADMIN else admin | role_names(settings.auth_read_roles)


UNRESTRICTED = Caller(subject="auth-off", unrestricted=True)
_warned_off = False


def caller_from_claims(claims: Mapping[str, Any] | None, settings: Settings) -> Caller:
    """The caller of a request whose token API Gateway verified (its claims), or 401."""
    if settings.auth_mode == "off":
        _warn_off()
        return UNRESTRICTED
    if not claims:
        raise UnauthenticatedError(
            "the request carries no verified token: send Authorization: Bearer <JWT>",
        )
    tenants = [t for t in _strings(claim_value(claims.get(settings.auth_tenants_claim))) if _ok(t)]
    grants = _role_grants(claim_value(claims.get(settings.auth_roles_claim)), tenants)
    home_tenants, home_grants, subject = _from_userinfo(
        claim_value(claims.get(settings.auth_userinfo_claim))
    )
    grants |= home_grants
    subject = subject or str(claim_value(claims.get("sub")) or "") or "unknown"
    named = set(tenants) | set(home_tenants) | {grant.tenant for grant in grants}
    return Caller(subject=subject, tenants=frozenset(named), grants=frozenset(grants))


def _from_userinfo(userinfo: Any) -> tuple[list[str], set[Grant], str]:
    """What a DIGIT userinfo claim says: its home tenant (as a list: none when it names no
    valid one), the grants of its roles (a role without a tenant of its own is the home
    tenant's) and the user's uuid ("" without one)."""
    if not isinstance(userinfo, Mapping):
        return [], set(), ""
    home = userinfo.get("tenantId")
    home_tenants = [home] if isinstance(home, str) and _ok(home) else []
    grants = _role_grants(claim_value(userinfo.get("roles")), home_tenants)
    return home_tenants, grants, str(userinfo.get("uuid") or "")


def _role_grants(roles: Any, tenants: list[str]) -> set[Grant]:
    """The grants of every role of a roles claim (a list, or a string of names)."""
    grants: set[Grant] = set()
    for role in _items(roles):
        grants |= _grants_of_role(role, tenants)
    return grants


def _warn_off() -> None:
    global _warned_off
    if not _warned_off:
        _warned_off = True
        from project_factory.observability import logger

        logger.warning(
            "AUTH_MODE=off: tenants and roles are NOT checked; every caller may do anything "
            "(for tests of other things only)"
        )


def _grants_of_role(role: Any, tenants: list[str]) -> set[Grant]:
    """A role's grants: a role name holds in every one of these tenants; anything else
    (a number, an empty name) grants nothing."""
    if isinstance(role, Mapping):
        return _grants_of_role_object(role, tenants)
    if isinstance(role, str) and role:
        return {Grant(t, role) for t in tenants}
    return set()


def _grants_of_role_object(role: Mapping[str, Any], tenants: list[str]) -> set[Grant]:
    """A role object {code, tenantId}: its own tenant when it names one, since a DIGIT
    role is held in one tenant; without one, in every one of these tenants."""
    code = role.get("code")
    tenant = role.get("tenantId")
    if not isinstance(code, str) or not code:
        return set()
    if isinstance(tenant, str) and tenant:
        return {Grant(tenant, code)} if _ok(tenant) else set()
    return {Grant(t, code) for t in tenants}


def _ok(tenant: str) -> bool:
    # A claim of something that is not a tenant id ("*", "mz/x") grants nothing.
    return tenant_id_problem(tenant) is None


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part for part in _SEPARATORS.split(value) if part]
    return [value]


def _strings(value: Any) -> list[str]:
    return [item for item in _items(value) if isinstance(item, str)]


def verified_claims(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The claims API Gateway's JWT authorizer put in a payload 2.0 event, if any."""
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") if isinstance(context, Mapping) else None
    jwt = authorizer.get("jwt") if isinstance(authorizer, Mapping) else None
    claims = jwt.get("claims") if isinstance(jwt, Mapping) else None
    return claims if isinstance(claims, Mapping) else None
