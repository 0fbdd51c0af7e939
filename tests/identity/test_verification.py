"""Bearer tokens the API must refuse (401), key rotation, and no network call per request."""

from __future__ import annotations

import base64
import json
import time

import pytest
from jwcrypto import jwk, jws
from keycloak import KeycloakOpenID

from app.auth.http import Unauthenticated
from app.auth.tokens import TokenVerifier
from tests.support.identity import mint

ME = "/api/v1/me"


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict, dict, str]:
    head, body, sig = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(head))),
        json.loads(base64.urlsafe_b64decode(pad(body))),
        sig,
    )


def _status(client, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get(ME, headers=headers).status_code


def test_valid_real_token_is_accepted(client, token_for):
    resp = client.get(ME, headers={"Authorization": f"Bearer {token_for('agent@tangshan')}"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert (
        body["username"] == "agent@tangshan" and body["tenant"] == "tangshan" and body["roles"] == ["agent"]
    )
    assert "orders.create" in body["permissions"] and "tenants.manage" not in body["permissions"]


def test_bad_tokens_are_401(app, client, token_for):
    good = token_for("dispatcher@tangshan")
    header, claims, sig = _parts(good)
    keys = app.extensions["devidp_keys"]
    other_key = jwk.JWK.generate(kty="RSA", size=2048)

    def signed(head: dict, body: dict, key: jwk.JWK, alg: str) -> str:
        token = jws.JWS(json.dumps(body).encode())
        token.allowed_algs = [alg]
        token.add_signature(key, alg=alg, protected=json.dumps(head))
        return token.serialize(compact=True)

    hs_key = jwk.JWK(kty="oct", k=_b64(keys.public_pem().encode()))  # the classic RS/HS confusion
    cases = {
        "missing": None,
        "empty": "",
        "garbage": "not-a-token",
        "expired": mint(app, "dispatcher@tangshan", lifetime=-120),
        "wrong issuer": mint(app, "dispatcher@tangshan", iss="http://127.0.0.1:1/idp/realms/hotline"),
        "wrong audience": mint(app, "dispatcher@tangshan", aud="some-other-api"),
        "no audience": mint(app, "dispatcher@tangshan", aud=None),
        "refresh typ": mint(app, "dispatcher@tangshan", typ="Refresh"),
        "tampered payload": ".".join([good.split(".")[0], _b64({**claims, "tenant": "shijiazhuang"}), sig]),
        "tampered signature": good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),
        "alg none": ".".join([_b64({**header, "alg": "none"}), _b64(claims), ""]),
        "alg None": ".".join([_b64({**header, "alg": "None"}), _b64(claims), ""]),
        "HS256 with public key": signed({**header, "alg": "HS256"}, claims, hs_key, "HS256"),
        "RS512": signed({**header, "alg": "RS512"}, claims, keys.key, "RS512"),
        "foreign key, same kid": signed(header, claims, other_key, "RS256"),
        "embedded jwk": signed(
            {**header, "jwk": json.loads(other_key.export_public())}, claims, other_key, "RS256"
        ),
        "no kid": signed({"alg": "RS256", "typ": "JWT"}, claims, keys.key, "RS256"),
        "JWE-shaped": "a.b.c.d.e",
    }
    for name, token in cases.items():
        assert _status(client, token) == 401, name
    resp = client.get(ME, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_refresh_and_id_tokens_are_no_bearer_tokens(client, web):
    body = web.token("agent@tangshan", "demo")
    assert _status(client, body["access_token"]) == 200
    assert _status(client, body["refresh_token"]) == 401
    assert _status(client, body["id_token"]) == 401


def test_rotation_unknown_kid_refreshes_the_keys(app, client, web):
    keys = app.extensions["devidp_keys"]
    before = web.token("agent@tangshan", "demo")["access_token"]
    assert _status(client, before) == 200  # the verifier now holds the current JWKS
    old_kid = keys.kid
    new_kid = keys.rotate()
    assert new_kid != old_kid
    after = web.token("agent@tangshan", "demo")["access_token"]
    assert _parts(after)[0]["kid"] == new_kid
    assert _status(client, after) == 200  # unknown kid -> JWKS reloaded
    assert _status(client, before) == 200  # the previous key stays published
    assert {k["kid"] for k in web.certs()["keys"]} >= {old_kid, new_kid}


def test_verifier_over_http_caches_jwks_and_throttles_unknown_kids(app, live_server, web):
    """The KEYCLOAK_URL path: JWKS fetched by python-keycloak over HTTP, once, not per request."""
    issuer = web.well_known()["issuer"]
    oidc = KeycloakOpenID(server_url=live_server.idp_url, realm_name="hotline", client_id="hotline-api")
    fetches = []

    def certs():
        fetches.append(time.monotonic())
        return oidc.certs()

    verifier = TokenVerifier(
        issuer=issuer, audience="hotline-api", keycloak=oidc, jwks_provider=certs, min_refresh=1.5
    )
    tokens = [web.token(u, "demo")["access_token"] for u in ("agent@tangshan", "dispatcher@tangshan")]
    tokens += [mint(app, "city_supervisor@tangshan") for _ in range(20)]
    for token in tokens * 3:
        assert verifier.principal(token).tenant == "tangshan"
    assert len(fetches) == 1

    header, claims, _ = _parts(tokens[0])
    junk = jws.JWS(json.dumps(claims).encode())
    junk.add_signature(
        jwk.JWK.generate(kty="RSA", size=2048), alg="RS256", protected=json.dumps({**header, "kid": "x"})
    )
    for _ in range(5):  # right after a fetch: an unknown kid does not refetch (min_refresh)
        with pytest.raises(Unauthenticated):
            verifier.principal(junk.serialize(compact=True))
    assert len(fetches) == 1
    time.sleep(1.6)
    for _ in range(5):  # later: one refetch, then throttled again
        with pytest.raises(Unauthenticated):
            verifier.principal(junk.serialize(compact=True))
    assert len(fetches) == 2


def test_verified_token_cache_honours_expiry(app):
    keys = app.extensions["devidp_keys"]
    verifier = TokenVerifier(
        issuer=app.extensions["token_verifier"].issuer,
        audience="hotline-api",
        jwks_provider=keys.jwks,
        leeway=0,
    )
    token = mint(app, "agent@tangshan", lifetime=2)
    assert verifier.principal(token).username == "agent@tangshan"
    time.sleep(2.1)
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.principal(token)
