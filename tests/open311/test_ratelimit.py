"""Per-client limits: one client over its limit gets 429 + Retry-After; another of the city is unaffected."""

from __future__ import annotations

URL = "/api/v1/province/clients"


def _issue(client, admin, limit):
    resp = client.post(
        URL, json={"tenant": "shijiazhuang", "name": "app", "rate_limit": limit}, headers=admin
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_429_with_retry_after_per_client(client, auth_headers, two_tenants):
    admin = auth_headers("province.admin")
    noisy, quiet = _issue(client, admin, "3/minute"), _issue(client, admin, "3/minute")
    url = "/open311/shijiazhuang/v2/services.{fmt}?api_key={key}"
    for _ in range(3):
        ok = client.get(url.format(fmt="json", key=noisy["api_key"]))
        assert ok.status_code == 200
        assert ok.headers["X-RateLimit-Limit"] == "3"
    refused = client.get(url.format(fmt="xml", key=noisy["api_key"]))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert b"<code>429</code>" in refused.data
    assert client.get(url.format(fmt="json", key=quiet["api_key"])).status_code == 200

    detail = client.get(f"{URL}/{noisy['client_id']}", headers=admin).get_json()
    assert sum(detail["usage"].values()) == 3  # refused requests are not counted as use
    assert detail["rate_limit"] == "3/minute"


def test_bad_rate_limit_is_422(client, auth_headers, two_tenants):
    resp = client.post(
        URL,
        json={"tenant": "shijiazhuang", "name": "x", "rate_limit": "lots"},
        headers=auth_headers("province.admin"),
    )
    assert resp.status_code == 422


def test_anonymous_callers_share_a_per_address_limit(client, app, two_tenants):
    app.config["OPEN311_ANONYMOUS_LIMIT"] = "2/minute"  # the autouse fixture restores it
    statuses = [client.get("/open311/shijiazhuang/v2/discovery.json").status_code for _ in range(3)]
    assert statuses[-1] == 429
