"""Registry partners (service accounts issued by the province admin) are limited and counted per
client: one over its limit gets 429 with Retry-After while another partner of the city is served."""

from __future__ import annotations

import requests

from tests.support.identity import keycloak_openid

URL = "/api/v1/province/clients"


def _partner(client, admin, idp_url, limit: str) -> tuple[str, str]:
    body = {"tenant": "shijiazhuang", "name": "高校研究组", "kind": "service_account", "role": "data_partner"}
    resp = client.post(URL, json={**body, "rate_limit": limit}, headers=admin)
    assert resp.status_code == 201, resp.get_json()
    issued = resp.get_json()
    oidc = keycloak_openid(idp_url, issued["client_id"], issued["client_secret"])
    return issued["client_id"], oidc.token(grant_type="client_credentials")["access_token"]


def test_429_with_retry_after_per_partner_and_usage(client, auth_headers, two_tenants, live_server, idp_url):
    admin = auth_headers("province.admin")
    (noisy_id, noisy), (_quiet_id, quiet) = (
        _partner(client, admin, idp_url, "3/minute"),
        _partner(client, admin, idp_url, "3/minute"),
    )
    paths = ["/orders", "/hotspots", "/kpis"]  # one window per client over every route

    def get(token, path):
        return requests.get(
            f"{live_server.url}/api/v1/partner/shijiazhuang{path}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    for path in paths:
        ok = get(noisy, path)
        assert ok.status_code == 200, ok.text
        assert ok.headers["X-RateLimit-Limit"] == "3"
    refused = get(noisy, "/orders")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["code"] == 429 and refused.json()["message"]
    assert get(quiet, "/orders").status_code == 200  # another partner of the same city

    detail = client.get(f"{URL}/{noisy_id}", headers=admin).get_json()
    assert sum(detail["usage"].values()) == 3  # refused requests are not counted


def test_users_and_realm_file_clients_are_not_limited_by_the_registry(client, auth_headers, two_tenants):
    resp = client.get(
        "/api/v1/partner/shijiazhuang/orders", headers=auth_headers("partner.demo@shijiazhuang")
    )
    assert resp.status_code == 200 and "X-RateLimit-Limit" not in resp.headers
