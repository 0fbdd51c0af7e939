"""Service-account clients from the registry (docs/open311.md "Service accounts"): created in the
realm by the province admin, tokens by the client-credentials grant through python-keycloak over
real HTTP, bound to their city, rotated, and refused at once after revocation."""

from __future__ import annotations

import pytest
import requests
from keycloak.exceptions import KeycloakAuthenticationError, KeycloakPostError

from tests.support.identity import keycloak_openid

URL = "/api/v1/province/clients"


def _issue(client, admin, **body):
    resp = client.post(URL, json={"tenant": "shijiazhuang", "name": "区网格系统", **body}, headers=admin)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _token(idp_url: str, client_id: str, secret: str) -> str:
    return keycloak_openid(idp_url, client_id, secret).token(grant_type="client_credentials")["access_token"]


def _get(live_server, path: str, token: str) -> requests.Response:
    return requests.get(live_server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_a_service_account_reaches_its_city_only_and_stops_after_revoke(
    client, auth_headers, two_tenants, live_server, idp_url
):
    admin = auth_headers("province.admin")
    issued = _issue(client, admin, kind="service_account")
    assert issued["kind"] == "service_account" and issued["role"] == "api_client" and issued["scopes"] == []
    assert issued["client_secret"] and "api_key" not in issued
    assert issued["token_endpoint"] == idp_url + "realms/hotline/protocol/openid-connect/token"
    client_id, secret = issued["client_id"], issued["client_secret"]

    token = _token(idp_url, client_id, secret)
    me = _get(live_server, "/api/v1/tenants/shijiazhuang/me", token)
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["roles"] == ["api_client"] and body["tenant"] == "shijiazhuang"
    assert body["client_id"] == client_id and body["granted_tenants"] == ["shijiazhuang"]
    assert _get(live_server, "/api/v1/tenants/shijiazhuang/orders", token).status_code == 200
    assert _get(live_server, "/api/v1/tenants/tangshan/me", token).status_code == 403
    assert _get(live_server, "/api/v1/tenants/tangshan/orders", token).status_code == 403
    assert _get(live_server, "/api/v1/partner/shijiazhuang/orders", token).status_code == 403  # not a partner
    assert secret not in client.get(URL, headers=admin).data.decode()  # shown once

    revoked = client.post(f"{URL}/{client_id}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    late = _get(live_server, "/api/v1/tenants/shijiazhuang/me", token)  # issued before, not expired
    assert late.status_code == 401 and "revoked" in late.json()["message"]
    with pytest.raises((KeycloakAuthenticationError, KeycloakPostError)):
        _token(idp_url, client_id, secret)  # the realm client is disabled
    assert client.post(f"{URL}/{client_id}/revoke", headers=admin).status_code == 200  # again: no change
    assert client.post(f"{URL}/{client_id}/rotate", headers=admin).status_code == 409


def test_rotation_replaces_the_secret(client, auth_headers, two_tenants, live_server, idp_url):
    admin = auth_headers("province.admin")
    issued = _issue(client, admin, kind="service_account", role="data_partner")
    old = issued["client_secret"]
    token = _token(idp_url, issued["client_id"], old)
    rotated = client.post(f"{URL}/{issued['client_id']}/rotate", headers=admin)
    assert rotated.status_code == 200, rotated.get_json()
    new = rotated.get_json()["client_secret"]
    assert new and new != old and rotated.get_json()["secret_rotated_at"]
    with pytest.raises((KeycloakAuthenticationError, KeycloakPostError)):
        _token(idp_url, issued["client_id"], old)
    fresh = _token(idp_url, issued["client_id"], new)
    for t in (token, fresh):  # a token already issued stays valid until it expires
        resp = _get(live_server, "/api/v1/partner/shijiazhuang/orders", t)
        assert resp.status_code == 200, resp.text
    assert _get(live_server, "/api/v1/partner/tangshan/orders", fresh).status_code == 403
    assert _get(live_server, "/api/v1/tenants/shijiazhuang/orders", fresh).status_code == 403  # partner only


def test_api_keys_rotate_too(client, auth_headers, two_tenants):
    admin = auth_headers("province.admin")
    issued = _issue(client, admin)
    assert issued["kind"] == "api_key" and issued["role"] is None
    rotated = client.post(f"{URL}/{issued['client_id']}/rotate", headers=admin).get_json()
    services = "/open311/shijiazhuang/v2/services.json?api_key={}"
    assert client.get(services.format(rotated["api_key"])).status_code == 200
    bad = client.post(
        "/open311/shijiazhuang/v2/requests.json",
        data={
            "api_key": issued["api_key"],
            "service_code": "0105",
            "address_string": "x",
            "description": "y",
        },
    )
    assert bad.status_code == 403  # the old key is no key


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "service_account", "scopes": ["open311:read"]},  # scopes belong to api keys
        {"role": "data_partner"},  # a role belongs to service accounts
        {"kind": "service_account", "role": "province_admin"},  # only api_client or data_partner
        {"kind": "oauth"},
        {"kind": "service_account", "rate_limit": "0/minute"},  # a limit that refuses everything
    ],
)
def test_bad_service_account_requests_are_422_and_register_nothing(client, auth_headers, two_tenants, body):
    admin = auth_headers("province.admin")
    before = len(client.get(URL, headers=admin).get_json())
    resp = client.post(URL, json={"tenant": "shijiazhuang", "name": "x", **body}, headers=admin)
    assert resp.status_code == 422, resp.get_json()
    assert len(client.get(URL, headers=admin).get_json()) == before


def test_without_an_identity_provider_nothing_is_registered(app, client, auth_headers, two_tenants):
    admin = auth_headers("province.admin")
    before = len(client.get(URL, headers=admin).get_json())
    adapter = app.extensions.pop("realm_clients")
    try:
        resp = client.post(
            URL, json={"tenant": "shijiazhuang", "name": "x", "kind": "service_account"}, headers=admin
        )
    finally:
        app.extensions["realm_clients"] = adapter
    assert resp.status_code == 503
    assert len(client.get(URL, headers=admin).get_json()) == before
