"""The local stack's development issuer and its check of tokens, as API Gateway checks them."""

import json
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from local.auth import (
    DEV_AUDIENCE,
    DEV_ISSUER,
    Denied,
    DevIssuer,
    JwtAuthorizer,
    JwtConfiguration,
    RemoteJwks,
    authorizers_for,
    event_claims,
    main,
)
from project_factory.auth import caller_from_claims
from project_factory.claim_values import claim_value
from tests.support.settings import wired_settings


@pytest.fixture(scope="module")
def issuer(tmp_path_factory) -> DevIssuer:
    return DevIssuer.load_or_create(tmp_path_factory.mktemp("issuer") / "key.json")


@pytest.fixture
def authorizer(issuer) -> JwtAuthorizer:
    configuration = JwtConfiguration("JwtAuthorizer", issuer.issuer, (issuer.audience, "other"))
    return JwtAuthorizer(configuration, issuer.jwks)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def denied(authorizer: JwtAuthorizer, headers: dict[str, str]) -> str:
    with pytest.raises(Denied) as refused:
        authorizer.verify(headers)
    status, response_headers, body = refused.value.response()
    assert (status, body) == (401, b'{"message":"Unauthorized"}')
    assert 'error="invalid_token"' in response_headers["www-authenticate"]
    return refused.value.description


def test_the_key_file_is_made_once_private_and_out_of_git(tmp_path):
    # Given no key file yet, in a directory named as the machine's is
    path = tmp_path / ".local" / "dev-signing-key.json"
    # When the issuer is loaded twice
    first, second = DevIssuer.load_or_create(path), DevIssuer.load_or_create(path)
    # Then one key was made, readable by its owner only, in a directory git ignores
    assert first.kid == second.kid and (first.issuer, first.audience) == (DEV_ISSUER, DEV_AUDIENCE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (path.parent / ".gitignore").read_text() == "*\n"
    assert "d" not in first.jwks()["keys"][0]  # the published set holds the public key only
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_processes_starting_at_once_end_up_with_one_key(tmp_path):
    path = tmp_path / "key.json"
    kids: list[str] = []
    threads = [
        threading.Thread(target=lambda: kids.append(DevIssuer.load_or_create(path).kid))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(kids)) == 1 and len(kids) == 8


def test_a_minted_token_passes_and_its_claims_reach_the_event(issuer, authorizer):
    # Given a token minted for two tenants and a role
    token = issuer.mint(tenants=["mz.t1", "mz.t2"], roles=["CAMPAIGN_ADMIN"], subject="u-1")
    # When it is checked, and its claims put in the event as API Gateway does
    claims = authorizer.verify(bearer(token))
    rendered = event_claims(claims)
    # Then every value is a string, arrays as [a b], and the functions read them back
    assert rendered["tenants"] == "[mz.t1 mz.t2]" and rendered["roles"] == "[CAMPAIGN_ADMIN]"
    assert isinstance(rendered["exp"], str) and rendered["iss"] == DEV_ISSUER
    caller = caller_from_claims(rendered, wired_settings())
    assert caller.subject == "u-1" and caller.tenants == {"mz.t1", "mz.t2"}


def test_an_object_claim_is_json_text_and_reads_back(issuer, authorizer):
    userinfo = {"uuid": "d-1", "tenantId": "mz", "roles": [{"code": "A", "tenantId": "mz"}]}
    token = issuer.mint(extra_claims={"userInfo": userinfo, "flag": True, "groups": [{"a": 1}]})
    rendered = event_claims(authorizer.verify(bearer(token)))
    assert json.loads(rendered["userInfo"]) == userinfo
    assert rendered["flag"] == "true" and rendered["groups"] == '[{"a":1}]'
    assert claim_value(rendered["groups"]) == [{"a": 1}]


def test_the_token_may_come_without_bearer(issuer, authorizer):
    assert authorizer.verify({"authorization": issuer.mint()})["sub"] == "dev-user"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "no token in Authorization"),
        ({"authorization": "Bearer"}, "no token in Authorization"),
        ({"authorization": "Bearer abc"}, "not a valid JWT"),
        ({"authorization": "Basic dXNlcjpwYXNz"}, "not a valid JWT"),
    ],
)
def test_no_token_or_no_jwt_is_refused(authorizer, headers, why):
    assert why in denied(authorizer, headers)


def test_each_claim_api_gateway_checks_is_checked(issuer, authorizer):
    now = time.time()
    cases = {
        "the token does not have a valid issuer": issuer.mint(issuer="https://elsewhere"),
        "the token does not have a valid audience": issuer.mint(audience="another-api"),
        "the token has expired": issuer.mint(now=now - 7200, ttl_seconds=3600),
        "the token is not valid yet": issuer.mint(extra_claims={"nbf": int(now) + 600}),
        "the token was issued in the future": issuer.mint(extra_claims={"iat": int(now) + 600}),
    }
    for why, token in cases.items():
        assert denied(authorizer, bearer(token)) == why
    no_expiry = issuer.mint(extra_claims={"exp": None})
    assert denied(authorizer, bearer(no_expiry)) == "the token has expired"


def test_client_id_counts_only_without_aud(issuer, authorizer):
    # Cognito access tokens carry client_id and no aud
    access = issuer.mint(extra_claims={"aud": None, "client_id": "other"})
    assert authorizer.verify(bearer(access))["client_id"] == "other"
    both = issuer.mint(extra_claims={"aud": "nobody", "client_id": issuer.audience})
    assert denied(authorizer, bearer(both)) == "the token does not have a valid audience"


@pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")
def test_only_rsa_signatures_of_the_issuers_keys_count(issuer, authorizer):
    claims = {"iss": issuer.issuer, "aud": issuer.audience, "exp": int(time.time()) + 60}
    hs256 = jwt.encode({"alg": "HS256", "kid": issuer.kid}, claims, OctKey.import_key("k" * 32))
    stranger = RSAKey.generate_key(2048)
    same_kid = jwt.encode({"alg": "RS256", "kid": issuer.kid}, claims, stranger)
    other_kid = jwt.encode({"alg": "RS256", "kid": "someone"}, claims, stranger)
    unsigned = jwt.encode({"alg": "none"}, claims, None, algorithms=["none"])
    assert denied(authorizer, bearer(hs256)) == "signing method HS256 is invalid"
    assert denied(authorizer, bearer(same_kid)) == "the token's signature is invalid"
    assert denied(authorizer, bearer(other_kid)) == "the token's kid is not a key of the issuer"
    assert denied(authorizer, bearer(unsigned)) == "signing method none is invalid"


def test_a_route_with_scopes_needs_one_of_them(issuer, authorizer):
    token = issuer.mint(extra_claims={"scope": "pf/read pf/write"})
    assert authorizer.verify(bearer(token), scopes=["pf/write"])
    with pytest.raises(Denied) as refused:
        authorizer.verify(bearer(token), scopes=["pf/admin"])
    assert refused.value.response()[0] == 403


def test_another_issuers_keys_are_fetched_by_oidc_discovery(issuer):
    # Given an OIDC issuer on loopback publishing the development key's public half
    calls: list[str] = []

    class Issuer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            calls.append(self.path)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            documents = {
                "/.well-known/openid-configuration": {"issuer": base, "jwks_uri": f"{base}/k"},
                "/k": dict(issuer.jwks()),
            }
            body = json.dumps(documents[self.path]).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Issuer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        [remote] = authorizers_for({"A": JwtConfiguration("A", url, ("api",))}, issuer).values()
        assert isinstance(remote.keys, RemoteJwks)
        # When two tokens of that issuer are checked
        for _ in range(2):
            token = issuer.mint(issuer=url, audience="api")
            assert remote.verify(bearer(token))["iss"] == url
        # Then its keys were fetched once, as API Gateway caches them
        assert calls == ["/.well-known/openid-configuration", "/k"]
    finally:
        server.shutdown()
        server.server_close()


def test_the_development_issuer_uses_its_own_key(issuer):
    configuration = JwtConfiguration("A", issuer.issuer, (issuer.audience,))
    [local] = authorizers_for({"A": configuration}, issuer).values()
    assert local.keys == issuer.jwks


def test_make_token_prints_a_token_of_the_issuer(issuer, authorizer, capsys):
    # When `make token` runs (local.auth's command line)
    main(["--tenant", "mz.t1,mz.t2", "--roles", "CAMPAIGN_VIEWER", "--key", str(issuer.path)])
    out, err = capsys.readouterr()
    # Then stdout is the token alone, of this issuer, with the tenants and roles asked for
    claims = authorizer.verify(bearer(out.strip()))
    assert (claims["tenants"], claims["roles"]) == (["mz.t1", "mz.t2"], ["CAMPAIGN_VIEWER"])
    assert out.count("\n") == 1 and "mz.t1" in err
    # and --digit mints DIGIT's userInfo shape instead
    main(["--tenant", "mz", "--roles", "CAMPAIGN_ADMIN", "--key", str(issuer.path), "--digit"])
    digit = authorizer.verify(bearer(capsys.readouterr().out.strip()))
    assert digit["userInfo"]["roles"] == [{"code": "CAMPAIGN_ADMIN", "tenantId": "mz"}]
    assert "tenants" not in digit
