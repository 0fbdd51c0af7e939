"""The dev IdP as python-keycloak's KeycloakOpenID sees it, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from keycloak import KeycloakAuthenticationError, KeycloakPostError

from integrations.keycloak.realm import client_secret
from tests.support.identity import keycloak_openid


def test_discovery_keys_and_public_key(web, live_server):
    wk = web.well_known()
    issuer = f"{live_server.url}/idp/realms/hotline"
    assert wk["issuer"] == issuer
    assert wk["token_endpoint"] == issuer + "/protocol/openid-connect/token"
    assert wk["jwks_uri"] == issuer + "/protocol/openid-connect/certs"
    assert wk["code_challenge_methods_supported"] == ["S256"]
    keys = web.certs()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["alg"] == "RS256" and "d" not in k for k in keys)
    pem = "-----BEGIN PUBLIC KEY-----\n" + web.public_key() + "\n-----END PUBLIC KEY-----"
    from jwcrypto import jwk

    assert jwk.JWK.from_pem(pem.encode()).thumbprint() == jwk.JWK(**keys[0]).thumbprint()


def test_password_grant_claims_userinfo_refresh_logout(web, api_client, live_server):
    body = web.token("handler.zjj@tangshan", "demo")
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300 and body["refresh_token"]
    claims = web.decode_token(body["access_token"])  # python-keycloak verifies against the realm JWKS
    assert claims["iss"] == f"{live_server.url}/idp/realms/hotline"
    assert claims["aud"] == "hotline-api" and claims["azp"] == "hotline-web" and claims["typ"] == "Bearer"
    assert claims["realm_access"]["roles"] == ["handler"]
    assert (claims["tenant"], claims["department"]) == ("tangshan", "zjj")
    assert claims["preferred_username"] == "handler.zjj@tangshan" and claims["sid"] == body["session_state"]
    assert claims["exp"] - claims["iat"] == 300
    id_token = web.decode_token(body["id_token"])
    assert id_token["aud"] == "hotline-web" and id_token["typ"] == "ID"

    info = web.userinfo(body["access_token"])
    assert info["sub"] == claims["sub"] and info["tenant"] == "tangshan" and info["department"] == "zjj"

    refreshed = web.refresh_token(body["refresh_token"])
    again = web.decode_token(refreshed["access_token"])
    assert again["sid"] == claims["sid"] and again["tenant"] == "tangshan"

    assert api_client.introspect(refreshed["access_token"])["active"] is True
    web.logout(refreshed["refresh_token"])
    with pytest.raises(KeycloakPostError) as exc:
        web.refresh_token(body["refresh_token"])
    assert exc.value.response_code == 400 and b"Session not active" in exc.value.response_body
    assert api_client.introspect(refreshed["access_token"]) == {"active": False}
    with pytest.raises(KeycloakAuthenticationError):
        web.userinfo(refreshed["access_token"])


def test_province_roles_have_no_tenant(web):
    claims = web.decode_token(web.token("province.supervisor", "demo")["access_token"])
    assert claims["realm_access"]["roles"] == ["province_supervisor"]
    assert "tenant" not in claims and "department" not in claims


def test_wrong_password_unknown_user_and_wrong_client(web, idp_url):
    for user, password in (("agent@tangshan", "wrong"), ("nobody@tangshan", "demo"), ("agent@tangshan", "")):
        with pytest.raises(KeycloakAuthenticationError) as exc:
            web.token(user, password)
        assert exc.value.response_code == 401 and b"invalid_grant" in exc.value.response_body
    with pytest.raises(KeycloakAuthenticationError):
        keycloak_openid(idp_url, "hotline-api", "not-the-secret").token(grant_type="client_credentials")
    with pytest.raises(KeycloakAuthenticationError):
        keycloak_openid(idp_url, "no-such-client").token("agent@tangshan", "demo")
    # the API audience client has no password grant, and a service client no login
    with pytest.raises(KeycloakPostError) as exc:
        keycloak_openid(idp_url, "hotline-api", client_secret("hotline-api")).token("agent@tangshan", "demo")
    assert b"unauthorized_client" in exc.value.response_body


def test_refresh_token_of_another_client_is_refused(web, idp_url):
    body = web.token("agent@tangshan", "demo")
    other = keycloak_openid(idp_url, "api-demo-tangshan", client_secret("api-demo-tangshan"))
    with pytest.raises(KeycloakPostError) as exc:
        other.refresh_token(body["refresh_token"])
    assert b"don't match" in exc.value.response_body


@pytest.mark.parametrize(
    ("client_id", "role"),
    [("emergency-110-tangshan", "emergency_system"), ("api-demo-tangshan", "api_client")],
)
def test_client_credentials_for_service_clients(idp_url, api_client, client_id, role):
    oidc = keycloak_openid(idp_url, client_id, client_secret(client_id))
    body = oidc.token(grant_type="client_credentials")
    assert "refresh_token" not in body
    claims = oidc.decode_token(body["access_token"])
    assert claims["azp"] == client_id and claims["aud"] == "hotline-api"
    assert claims["realm_access"]["roles"] == [role]
    assert claims["tenants"] == ["tangshan"] and claims["tenant"] == "tangshan"
    assert claims["preferred_username"] == f"service-account-{client_id}" and "sid" not in claims
    introspected = api_client.introspect(body["access_token"])
    assert introspected["active"] is True and introspected["client_id"] == client_id


def test_introspection_needs_a_confidential_client(web):
    body = web.token("agent@tangshan", "demo")
    with pytest.raises(KeycloakAuthenticationError):
        web.introspect(body["access_token"])  # hotline-web is public


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _login(auth_url: str, username: str, password: str) -> requests.Response:
    """Drive the login form like a browser: GET the form, POST its fields back, stop at the redirect."""
    session = requests.Session()
    form = session.get(auth_url)
    assert form.status_code == 200 and 'name="password"' in form.text
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.text)
    fields = {name: html.unescape(value) for name, value in hidden}
    return session.post(
        auth_url.split("?")[0],
        data={**fields, "username": username, "password": password},
        allow_redirects=False,
    )


def test_authorization_code_flow_with_pkce(web, live_server):
    verifier, challenge = _pkce()
    redirect_uri = f"{live_server.url}/portal/callback"
    url = web.auth_url(redirect_uri, scope="openid", state="st-1", nonce="n-1", code_challenge=challenge,
                       code_challenge_method="S256")  # fmt: skip
    denied = _login(url, "dispatcher@tangshan", "wrong")
    assert denied.status_code == 401 and "Invalid username or password" in denied.text
    resp = _login(url, "dispatcher@tangshan", "demo")
    assert resp.status_code == 302
    location = urlsplit(resp.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect_uri
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["state"] == "st-1" and query["iss"] == web.well_known()["issuer"]

    with pytest.raises(KeycloakPostError) as exc:  # wrong verifier
        web.token(grant_type="authorization_code", code=query["code"], redirect_uri=redirect_uri,
                  code_verifier=_pkce()[0])  # fmt: skip
    assert b"PKCE" in exc.value.response_body
    # the code was burnt by the failed attempt: single use, like Keycloak
    with pytest.raises(KeycloakPostError):
        web.token(grant_type="authorization_code", code=query["code"], redirect_uri=redirect_uri,
                  code_verifier=verifier)  # fmt: skip

    resp = _login(url, "dispatcher@tangshan", "demo")
    code = parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]
    body = web.token(
        grant_type="authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=verifier
    )
    claims = web.decode_token(body["access_token"])
    assert claims["preferred_username"] == "dispatcher@tangshan" and claims["tenant"] == "tangshan"
    assert web.decode_token(body["id_token"])["nonce"] == "n-1"
    with pytest.raises(KeycloakPostError):  # replay
        web.token(
            grant_type="authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=verifier
        )


def test_authorization_endpoint_refuses_bad_requests(web, live_server):
    _, challenge = _pkce()
    good = f"{live_server.url}/portal/callback"
    # an unregistered redirect URI is never redirected to
    resp = requests.get(web.auth_url("https://evil.example/cb", state="s", code_challenge=challenge,
                                     code_challenge_method="S256"), allow_redirects=False)  # fmt: skip
    assert resp.status_code == 400 and "redirect_uri" in resp.text
    # PKCE is mandatory (S256) for the portals' client
    resp = requests.get(web.auth_url(good, state="s"), allow_redirects=False)
    assert resp.status_code == 302 and "error=invalid_request" in resp.headers["Location"]
    plain = web.auth_url(good, state="s", code_challenge=challenge, code_challenge_method="plain")
    resp = requests.get(plain, allow_redirects=False)
    assert resp.status_code == 302 and "error=invalid_request" in resp.headers["Location"]
