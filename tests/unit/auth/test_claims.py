"""The caller's tenants and roles, read from the claims API Gateway passes to the functions."""

import pytest

from project_factory.auth import (
    Action,
    Caller,
    ForbiddenError,
    Grant,
    UnauthenticatedError,
    caller_from_claims,
    tenant_covers,
    verified_claims,
)
from project_factory.claim_values import claim_value
from tests.support.settings import wired_settings

SETTINGS = wired_settings()


def caller(claims, **settings) -> Caller:
    return caller_from_claims(claims, wired_settings(**settings) if settings else SETTINGS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mz", "mz"),
        ("[mz mz.t1]", ["mz", "mz.t1"]),
        ("[]", []),
        ('["mz","mz.t1"]', ["mz", "mz.t1"]),
        ('{"tenantId":"mz"}', {"tenantId": "mz"}),
        (
            '[{"code":"A","tenantId":"mz"} {"code":"B"}]',
            [{"code": "A", "tenantId": "mz"}, {"code": "B"}],
        ),
        (
            "map[roles:[map[code:A tenantId:mz.t1]] tenantId:mz uuid:u-1]",
            {"roles": [{"code": "A", "tenantId": "mz.t1"}], "tenantId": "mz", "uuid": "u-1"},
        ),
        (["mz"], ["mz"]),
        ({"tenantId": "mz"}, {"tenantId": "mz"}),
        ("[unbalanced", "[unbalanced"),
        ("map[no-colon]", "map[no-colon]"),
        ("[a b] trailing", "[a b] trailing"),
        (1700000000, 1700000000),
    ],
)
def test_a_claim_as_api_gateway_passes_it_is_read_back(value, expected):
    # Given a claim value as API Gateway (or a test, or another authorizer) passes it
    # When it is read, Then arrays and objects come back as values; anything else as given
    assert claim_value(value) == expected


def test_flat_claims_give_every_role_in_every_tenant():
    # Given tenants and roles claims as API Gateway renders arrays
    found = caller({"sub": "u-9", "tenants": "[mz.t1 mz.t2]", "roles": "[CAMPAIGN_ADMIN]"})
    # Then the caller holds the role in both tenants, and is the token's subject
    assert found.subject == "u-9"
    assert found.grants == {Grant("mz.t1", "CAMPAIGN_ADMIN"), Grant("mz.t2", "CAMPAIGN_ADMIN")}
    assert found.can("mz.t2", Action.ADMIN, SETTINGS)


def test_comma_or_space_separated_strings_are_lists_too():
    # Given a Cognito-style custom attribute holding a comma-separated list
    found = caller({"tenants": "mz.t1, mz.t2", "roles": "CAMPAIGN_VIEWER CAMPAIGN_ADMIN"})
    # Then each part counts
    assert found.tenants == {"mz.t1", "mz.t2"}
    assert {grant.role for grant in found.grants} == {"CAMPAIGN_VIEWER", "CAMPAIGN_ADMIN"}


def test_digits_userinfo_gives_each_role_in_its_own_tenant():
    # Given DIGIT's userInfo, as JSON text (API Gateway's rendering of an object claim)
    userinfo = (
        '{"uuid":"digit-1","tenantId":"mz","roles":[{"code":"CAMPAIGN_ADMIN","tenantId":"mz.t1"},'
        '{"code":"CAMPAIGN_VIEWER"}]}'
    )
    found = caller({"sub": "ignored", "userInfo": userinfo})
    # Then a role with a tenant is held there, one without in the user's tenant
    assert found.subject == "digit-1"
    assert found.grants == {Grant("mz.t1", "CAMPAIGN_ADMIN"), Grant("mz", "CAMPAIGN_VIEWER")}
    assert found.can("mz.t1.x", Action.ADMIN, SETTINGS)
    assert found.can("mz.t2", Action.READ, SETTINGS)
    assert not found.can("mz.t2", Action.ADMIN, SETTINGS)


def test_digit_role_objects_in_the_roles_claim_keep_their_tenants():
    # Given the roles claim holding DIGIT role objects, as API Gateway renders an array of them
    roles = '[{"code":"CAMPAIGN_ADMIN","tenantId":"mz.t1"} {"code":"CAMPAIGN_VIEWER"}]'
    found = caller({"tenants": "mz.t2", "roles": roles})
    # Then an object's tenant is its own; a role without one is held in the listed tenants
    assert found.grants == {Grant("mz.t1", "CAMPAIGN_ADMIN"), Grant("mz.t2", "CAMPAIGN_VIEWER")}


def test_the_claim_names_and_role_names_are_settings():
    # Given other claim names and role names
    claims = {"custom:tenants": "pb", "groups": "[pf-admins]"}
    options = {
        "auth_tenants_claim": "custom:tenants",
        "auth_roles_claim": "groups",
        "auth_admin_roles": "pf-admins",
        "auth_read_roles": "pf-readers",
    }
    found = caller(claims, **options)
    # Then they are the ones read
    assert found.can("pb.amritsar", Action.ADMIN, wired_settings(**options))
    assert not found.can("pb.amritsar", Action.ADMIN, SETTINGS)


def test_a_state_covers_the_tenants_below_it_and_no_lookalike():
    assert tenant_covers("mz", "mz")
    assert tenant_covers("mz", "mz.chimoio")
    assert tenant_covers("mz", "mz.chimoio.x")
    assert not tenant_covers("mz.chimoio", "mz")
    assert not tenant_covers("mz", "mzx")
    assert not tenant_covers("mz.t1", "mz.t10")


def test_a_tenant_outside_the_claim_is_tenant_forbidden_and_a_missing_role_role_forbidden():
    # Given a reader of mz.t1
    found = caller({"tenants": "[mz.t1]", "roles": "[CAMPAIGN_VIEWER]"})
    # Then reading there passes; another tenant is TENANT_FORBIDDEN; an admin's action there
    # is ROLE_FORBIDDEN, naming the roles that would do
    found.require("mz.t1", Action.READ, SETTINGS)
    with pytest.raises(ForbiddenError) as other:
        found.require("mz.t2", Action.READ, SETTINGS)
    assert (other.value.code, other.value.http_status) == ("TENANT_FORBIDDEN", 403)
    with pytest.raises(ForbiddenError) as role:
        found.require("mz.t1", Action.ADMIN, SETTINGS)
    assert role.value.code == "ROLE_FORBIDDEN"
    assert "CAMPAIGN_ADMIN, SUPERUSER" in role.value.message


def test_an_admin_reads_too_and_unknown_roles_do_nothing():
    admin = caller({"tenants": "mz", "roles": "[SUPERUSER]"})
    stranger = caller({"tenants": "mz", "roles": "[DISTRIBUTOR]"})
    assert admin.can("mz.t1", Action.READ, SETTINGS)
    assert stranger.covers("mz") and not stranger.can("mz", Action.READ, SETTINGS)


def test_a_claimed_tenant_outside_the_pattern_grants_nothing():
    # Given tenants that are not tenant ids ("*" is no wildcard; "mz/x" no tenant)
    found = caller({"tenants": "[* mz/x MZ]", "roles": "[CAMPAIGN_ADMIN]"})
    # Then the caller holds nothing anywhere
    assert found.tenants == frozenset() and found.grants == frozenset()
    assert not found.covers("mz")


def test_no_claims_is_401_unless_auth_is_off():
    # When there are no verified claims (a route without the authorizer)
    with pytest.raises(UnauthenticatedError) as missing:
        caller(None)
    # Then it is 401 UNAUTHENTICATED; with AUTH_MODE=off the caller may do anything
    assert (missing.value.code, missing.value.http_status) == ("UNAUTHENTICATED", 401)
    unrestricted = caller(None, auth_mode="off")
    assert unrestricted.can("ke", Action.ADMIN, SETTINGS)
    unrestricted.require("anything", Action.ADMIN, SETTINGS)


def test_the_claims_are_read_where_api_gateway_puts_them():
    claims = {"sub": "u"}
    event = {"requestContext": {"authorizer": {"jwt": {"claims": claims, "scopes": None}}}}
    assert verified_claims(event) == claims
    assert verified_claims({"requestContext": {}}) is None
    assert verified_claims({"requestContext": {"authorizer": {"lambda": {}}}}) is None


def test_the_audit_user_is_the_tokens():
    from project_factory.domain.requests import RequestInfo

    found = caller({"sub": "token-user", "tenants": "mz", "roles": "CAMPAIGN_ADMIN"})
    given = RequestInfo.model_validate({"userInfo": {"uuid": "body-user", "tenantId": "mz"}})
    trusted = found.request_info(given)
    assert trusted.user_uuid == "token-user"
    assert trusted.userInfo is not None and trusted.userInfo.tenantId == "mz"
    assert given.user_uuid == "body-user"
