"""Tenant binding (docs/architecture.md §5): a city's token stays in its city; province roles reach every city."""

from __future__ import annotations

import pytest
import requests

from tests.support.identity import mint

CITY_USERS = ["agent", "dispatcher", "city_supervisor", "handler.zjj"]


def _get(client, path: str, token: str):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("local", CITY_USERS)
def test_tangshan_users_cannot_reach_shijiazhuang(client, two_tenants, token_for, local):
    token = token_for(f"{local}@tangshan")
    own = _get(client, "/api/v1/tenants/tangshan/me", token)
    assert own.status_code == 200 and own.get_json()["current_tenant"] == "tangshan"
    other = _get(client, "/api/v1/tenants/shijiazhuang/me", token)
    assert other.status_code == 403 and "shijiazhuang" in other.get_json()["message"]


@pytest.mark.parametrize("username", ["province.supervisor", "province.admin"])
def test_province_roles_reach_every_city(client, two_tenants, token_for, username):
    token = token_for(username)
    for slug in ("shijiazhuang", "tangshan"):
        resp = _get(client, f"/api/v1/tenants/{slug}/me", token)
        assert resp.status_code == 200 and resp.get_json()["current_tenant"] == slug
    assert _get(client, "/api/v1/tenants/nowhere/me", token).status_code == 404


@pytest.mark.parametrize(
    ("client_id", "home", "foreign"),
    [
        ("api-demo-tangshan", "tangshan", "shijiazhuang"),
        ("emergency-110-shijiazhuang", "shijiazhuang", "tangshan"),
        ("emergency-122-tangshan", "tangshan", "shijiazhuang"),
    ],
)
def test_service_clients_reach_only_granted_tenants(
    client, two_tenants, real_tokens, client_id, home, foreign
):
    token = real_tokens.client(client_id)
    mine = _get(client, f"/api/v1/tenants/{home}/me", token)
    assert mine.status_code == 200
    assert mine.get_json()["granted_tenants"] == [home] and mine.get_json()["client_id"] == client_id
    assert _get(client, f"/api/v1/tenants/{foreign}/me", token).status_code == 403


def test_a_client_granted_several_tenants(app, client, two_tenants):
    token = mint(app, "client.open311@tangshan", tenants=["tangshan", "shijiazhuang"])
    for slug in ("tangshan", "shijiazhuang"):
        assert _get(client, f"/api/v1/tenants/{slug}/me", token).status_code == 200


def test_claims_that_must_not_widen_access(app, client, two_tenants):
    # a tenant-bound role cannot borrow the service clients' `tenants` grant list
    token = mint(app, "dispatcher@tangshan", tenants=["shijiazhuang"])
    assert _get(client, "/api/v1/tenants/shijiazhuang/me", token).status_code == 403
    # a city role without a tenant claim reaches no tenant
    token = mint(app, "dispatcher@tangshan", tenant=None)
    assert _get(client, "/api/v1/tenants/tangshan/me", token).status_code == 403
    # a multi-valued tenant attribute is no tenant at all
    token = mint(app, "dispatcher@tangshan", tenant=["tangshan", "shijiazhuang"])
    assert _get(client, "/api/v1/tenants/shijiazhuang/me", token).status_code == 403
    # roles the platform does not know grant nothing
    token = mint(app, "dispatcher@tangshan", realm_access={"roles": ["admin", "realm-admin"]})
    assert _get(client, "/api/v1/tenants/tangshan/me", token).status_code == 403


def test_binding_over_real_http(live_server, two_tenants, token_for):
    token = token_for("dispatcher@tangshan")
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{live_server.url}/api/v1/tenants/tangshan/me", headers=headers).status_code == 200
    assert (
        requests.get(f"{live_server.url}/api/v1/tenants/shijiazhuang/me", headers=headers).status_code == 403
    )
    assert requests.get(f"{live_server.url}/api/v1/tenants/shijiazhuang/me").status_code == 401


def test_tenant_admin_api_is_province_admin_only(client, two_tenants, token_for, real_tokens):
    body = {"slug": "xiongan", "name": "雄安新区", "region_code": "133100"}
    for token in [
        token_for(u) for u in ("province.supervisor", "dispatcher@tangshan", "city_supervisor@tangshan")
    ] + [real_tokens.client("api-demo-tangshan")]:
        resp = client.post("/api/v1/tenants", json=body, headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 403
    assert _get(client, "/api/v1/tenants", token_for("agent@shijiazhuang")).status_code == 403
    assert _get(client, "/api/v1/tenants", token_for("province.admin")).status_code == 200
