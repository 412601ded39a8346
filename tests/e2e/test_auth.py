"""Authentication and tenant isolation over HTTP, from another process, as a client meets it.

The stack checks tokens as API Gateway's JWT authorizer does (a refused token is the
gateway's 401 `{"message":"Unauthorized"}`, with `www-authenticate` saying why, before any
function runs); the functions check the claims' tenants and roles (403 in the DIGIT
envelope). Every token here is minted by this process with the served stack's development
key, as a client gets one from its identity provider, and carried as `Authorization: Bearer`.
"""

import itertools
import time

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from tests.support.served_stack import ADMIN_ROLE, READ_ROLE, TIMEOUT, Integrator

_tenants = itertools.count(1)
SEARCH = "/project-factory/v1/data/_search"


def _tenant() -> str:
    return f"mz.auth{next(_tenants)}"


def _search_body(tenant_id: str, **criteria) -> dict:
    return {"RequestInfo": {}, "SearchCriteria": {"tenantId": tenant_id, **criteria}}


def _search(served, tenant_id: str, headers: dict[str, str]) -> requests.Response:
    return requests.post(
        f"{served.url}{SEARCH}", json=_search_body(tenant_id), headers=headers, timeout=TIMEOUT
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_unauthorized(answer: requests.Response, why: str) -> None:
    """The gateway's 401: its own body, the reason in www-authenticate."""
    assert answer.status_code == 401, answer.text
    assert answer.json() == {"message": "Unauthorized"}
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
    assert why in challenge, challenge


def _assert_digit_error(answer: requests.Response, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["ResponseInfo"] is None
    [error] = body["Errors"]
    assert error["code"] == code, error
    return error


@pytest.fixture
def resource(served) -> tuple[Integrator, str, dict]:
    """An admin of a tenant of its own, a file it uploaded and a resource it created."""
    owner = served.client(_tenant())
    file_store_id = owner.upload(b"not a workbook: only the row matters here", "plan.xlsx")
    row = owner.create(file_store_id, "facility", action="validate")
    return owner, file_store_id, row


# ---------------------------------------------------------------------- 401: the token
def test_the_right_token_works_and_health_needs_none(served):
    # Given an admin's token of the stack's issuer for a tenant
    tenant = _tenant()
    # When it searches its tenant, and GET /health is asked with no token at all
    answer = _search(served, tenant, _bearer(served.mint([tenant])))
    health = requests.get(f"{served.url}/health", timeout=TIMEOUT)
    # Then both answer 200
    assert answer.status_code == 200, answer.text
    assert answer.json()["ResourceDetails"] == []
    assert (health.status_code, health.json()) == (200, {"status": "UP"})


def test_no_token_is_401(served):
    # When every kind of route is called without a token, or with an empty one
    answers = [
        _search(served, "mz", {}),
        _search(served, "mz", {"Authorization": "Bearer "}),
        requests.get(
            f"{served.url}/filestore/v1/files/url",
            params={"tenantId": "mz", "fileStoreIds": "x"},
            timeout=TIMEOUT,
        ),
        requests.post(f"{served.url}/project-factory/v1/nowhere", json={}, timeout=TIMEOUT),
    ]
    # Then each is the gateway's 401, saying the token is missing
    for answer in answers:
        _assert_unauthorized(answer, "no token in Authorization")


def test_a_token_of_another_issuer_is_401(served):
    # Given a token signed with the right key that names another issuer
    token = served.mint(["mz"], extra_claims={"iss": "https://issuer.example.org"})
    # When it is used, Then it is refused for its issuer
    _assert_unauthorized(_search(served, "mz", _bearer(token)), "valid issuer")


def test_a_token_signed_by_another_key_is_401(served):
    # Given a token naming the issuer and its key id, signed by a key the issuer never had
    stranger = RSAKey.generate_key(2048)
    token = served.mint(["mz"], key=stranger)
    # When it is used, Then its signature does not verify
    _assert_unauthorized(_search(served, "mz", _bearer(token)), "signature is invalid")


def test_a_token_signed_with_a_shared_secret_is_401(served):
    # Given an HS256 token (the algorithm confusion attack: only RSA signatures count)
    secret = OctKey.import_key("s" * 32)
    claims = {"iss": served.dev_key.issuer, "aud": served.dev_key.audience, "sub": "x"}
    claims |= {"exp": int(time.time()) + 600, "tenants": ["mz"], "roles": [ADMIN_ROLE]}
    token = jwt.encode({"alg": "HS256", "kid": "any"}, claims, secret)
    # When it is used, Then its signing method is refused
    _assert_unauthorized(_search(served, "mz", _bearer(token)), "signing method HS256")


def test_an_expired_token_is_401(served):
    # Given a token that expired a minute ago
    token = served.mint(["mz"], issued_at=time.time() - 3660, ttl_seconds=3600)
    # When it is used, Then it is refused as expired
    _assert_unauthorized(_search(served, "mz", _bearer(token)), "the token has expired")


def test_a_token_for_another_audience_or_not_yet_valid_is_401(served):
    # Given a token for another API, and one that becomes valid in an hour
    other_audience = served.mint(["mz"], extra_claims={"aud": "another-api"})
    not_yet = served.mint(["mz"], issued_at=time.time() + 3600)
    # When each is used, Then each is refused, saying why
    _assert_unauthorized(_search(served, "mz", _bearer(other_audience)), "valid audience")
    _assert_unauthorized(_search(served, "mz", _bearer(not_yet)), "not valid yet")


def test_a_token_that_is_not_a_jwt_is_401(served):
    # When a bearer value that is not a JWT is sent, Then it is refused
    _assert_unauthorized(_search(served, "mz", _bearer("not-a.jwt")), "not a valid JWT")


# ---------------------------------------------------------------------- 403: the tenant
def test_another_tenants_rows_are_403_by_tenant_and_not_found_by_id(served, resource):
    owner, _, row = resource
    stranger = served.client(_tenant())
    # When an admin of another tenant searches the owner's tenant
    forbidden = stranger.post(SEARCH, _search_body(owner.tenant_id))
    # Then it is refused, naming the tenant
    error = _assert_digit_error(forbidden, 403, "TENANT_FORBIDDEN")
    assert error["params"] == [f"tenantId={owner.tenant_id}"]
    # And the owner's row, searched by id in the stranger's own tenant, is not there
    assert stranger.search(id=[row["id"]]) == []
    # while the owner finds it
    assert [found["id"] for found in owner.search(id=[row["id"]])] == [row["id"]]


def test_another_tenants_file_is_403_and_not_found_in_ones_own_tenant(served, resource):
    owner, file_store_id, _ = resource
    stranger = served.client(_tenant())
    # When another tenant's admin asks for the file's URL in the owner's tenant
    in_owners = stranger.get(
        "/filestore/v1/files/url",
        params={"tenantId": owner.tenant_id, "fileStoreIds": file_store_id},
    )
    # or in its own
    in_own = stranger.get(
        "/filestore/v1/files/url",
        params={"tenantId": stranger.tenant_id, "fileStoreIds": file_store_id},
    )
    # Then the first is 403 and the second 404: no URL either way
    _assert_digit_error(in_owners, 403, "TENANT_FORBIDDEN")
    _assert_digit_error(in_own, 404, "FILE_NOT_FOUND")
    assert "url" not in in_owners.text + in_own.text


def test_a_create_of_another_tenants_file_is_refused(served, resource):
    owner, file_store_id, _ = resource
    stranger = served.client(_tenant())
    # When another tenant's admin creates from the owner's file, in the owner's tenant
    in_owners = stranger.post(
        "/project-factory/v1/data/_create",
        {
            "RequestInfo": {},
            "ResourceDetails": {
                "type": "facility",
                "tenantId": owner.tenant_id,
                "fileStoreId": file_store_id,
                "action": "create",
                "hierarchyType": "ADMIN",
            },
        },
    )
    # or in its own
    in_own = stranger.create_request(file_store_id, "facility")
    # Then the first is 403, the second does not find the file
    _assert_digit_error(in_owners, 403, "TENANT_FORBIDDEN")
    _assert_digit_error(in_own, 400, "FILE_NOT_FOUND")


def test_templates_and_campaigns_of_another_tenant_are_403(served, resource):
    owner, _, _ = resource
    stranger = served.client(_tenant())
    query = {"tenantId": owner.tenant_id, "type": "facilityWithBoundary", "hierarchyType": "ADMIN"}
    # When another tenant's admin generates, downloads, searches and creates campaigns there
    answers = [
        stranger.post("/project-factory/v1/data/_generate", {"RequestInfo": {}}, params=query),
        stranger.post("/project-factory/v1/data/_download", {"RequestInfo": {}}, params=query),
        stranger.post(
            "/project-factory/v1/project-type/search",
            {"RequestInfo": {}, "CampaignDetails": {"tenantId": owner.tenant_id, "ids": ["x"]}},
        ),
        stranger.post(
            "/filestore/v1/files/upload-url", {"tenantId": owner.tenant_id, "fileName": "a.xlsx"}
        ),
    ]
    # Then each is 403 TENANT_FORBIDDEN
    for answer in answers:
        _assert_digit_error(answer, 403, "TENANT_FORBIDDEN")


def test_a_state_token_covers_the_tenants_below_it_and_not_beside_it(served):
    # Given a state-level admin (mz) and a city-level one (mz.authcity)
    city = f"mz.authcity{next(_tenants)}"
    state = served.mint(["mz"])
    city_token = served.mint([city])
    # When each searches the city, the state, and a tenant that only starts like the city
    answers = {
        "state in city": _search(served, city, _bearer(state)),
        "city in city": _search(served, city, _bearer(city_token)),
        "city in state": _search(served, "mz", _bearer(city_token)),
        "city in lookalike": _search(served, f"{city}x", _bearer(city_token)),
    }
    # Then the state reaches the city, the city reaches only itself
    assert answers["state in city"].status_code == 200
    assert answers["city in city"].status_code == 200
    _assert_digit_error(answers["city in state"], 403, "TENANT_FORBIDDEN")
    _assert_digit_error(answers["city in lookalike"], 403, "TENANT_FORBIDDEN")


# ---------------------------------------------------------------------- 403: the role
def test_a_reader_reads_and_changes_nothing(served, resource):
    owner, file_store_id, row = resource
    reader = served.client(owner.tenant_id, roles=[READ_ROLE])
    # When a reader of the tenant searches, downloads a template and asks for a file's URL
    assert [found["id"] for found in reader.search(id=[row["id"]])] == [row["id"]]
    assert list(reader.file_urls(file_store_id)) == [file_store_id]
    reader.download("facilityWithBoundary")
    # Then all of that works; but creating, generating, uploading and campaigns are refused
    refused = [
        reader.create_request(file_store_id, "facility"),
        reader.post(
            "/project-factory/v1/data/_generate",
            {"RequestInfo": {}},
            params={"tenantId": owner.tenant_id, "type": "boundary", "hierarchyType": "ADMIN"},
        ),
        requests.post(
            f"{served.url}/filestore/v1/files",
            data={"tenantId": owner.tenant_id},
            files={"file": ("a.xlsx", b"x")},
            headers=reader.headers,
            timeout=TIMEOUT,
        ),
        reader.post(
            "/filestore/v1/files/upload-url", {"tenantId": owner.tenant_id, "fileName": "a.xlsx"}
        ),
        reader.campaign_request(
            "create",
            {"name": "n", "hierarchyType": "ADMIN", "boundaries": [{"code": "x", "type": "y"}]},
        ),
    ]
    for answer in refused:
        error = _assert_digit_error(answer, 403, "ROLE_FORBIDDEN")
        assert "CAMPAIGN_ADMIN" in error["message"]


def test_a_token_without_a_known_role_is_403(served):
    # Given tokens of a tenant with no role, and with a role the API does not know
    tenant = _tenant()
    tokens = [served.mint([tenant], roles=[]), served.mint([tenant], roles=["DISTRIBUTOR"])]
    # When each searches its own tenant, Then it is refused for the role
    for token in tokens:
        _assert_digit_error(_search(served, tenant, _bearer(token)), 403, "ROLE_FORBIDDEN")


def test_digits_userinfo_claim_gives_roles_per_tenant(served):
    # Given a DIGIT-shaped token: an admin in one city, a reader in another
    admin_city, reader_city = _tenant(), _tenant()
    userinfo = {
        "uuid": "digit-user-7",
        "tenantId": admin_city,
        "roles": [
            {"code": ADMIN_ROLE, "tenantId": admin_city},
            {"code": READ_ROLE, "tenantId": reader_city},
        ],
    }
    token = served.mint(roles=[], extra_claims={"userInfo": userinfo})
    client = Integrator(served.url, admin_city, token=token)
    reader = Integrator(served.url, reader_city, token=token)
    # When it uploads and creates in the first city, and searches and uploads in the second
    file_store_id = client.upload(b"x", "plan.xlsx")
    created = client.create(file_store_id, "facility", action="validate")
    refused = reader.post(
        "/filestore/v1/files/upload-url", {"tenantId": reader_city, "fileName": "a.xlsx"}
    )
    # Then the admin city takes the create (attributed to the token's user, not the body's),
    # the reader city a search but not an upload
    assert created["auditDetails"]["createdBy"] == "digit-user-7"
    assert reader.search() == []
    _assert_digit_error(refused, 403, "ROLE_FORBIDDEN")


# ---------------------------------------------------------------------- 400: tenant ids
@pytest.mark.parametrize(
    "tenant_id", ["mz/../ke", "mz#facility", "MZ", "m", "mz.", "mz..x", "mz.a.b.c.d", "mz x"]
)
def test_a_tenant_id_outside_the_pattern_is_400_invalid_tenant(served, tenant_id):
    # Given a token that claims that very tenant (a claim grants nothing it does not match)
    token = served.mint([tenant_id, "mz"])
    # When it is searched, and a file's URL asked for in it
    search = _search(served, tenant_id, _bearer(token))
    url = requests.get(
        f"{served.url}/filestore/v1/files/url",
        params={"tenantId": tenant_id, "fileStoreIds": "x"},
        headers=_bearer(token),
        timeout=TIMEOUT,
    )
    # Then both are 400 INVALID_TENANT
    _assert_digit_error(search, 400, "INVALID_TENANT")
    _assert_digit_error(url, 400, "INVALID_TENANT")
