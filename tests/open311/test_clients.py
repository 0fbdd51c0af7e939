"""The province's client registry: keys shown once, stored hashed, tenant-bound, revocable."""

from __future__ import annotations

URL = "/api/v1/province/clients"


def _post_request(client, key, tenant="shijiazhuang"):
    return client.post(
        f"/open311/{tenant}/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "0105",
            "address_string": "中山西路1号",
            "description": "井盖缺失",
        },
    )


def test_issue_use_and_revoke(client, auth_headers, two_tenants):
    admin = auth_headers("province.admin")
    resp = client.post(URL, json={"tenant": "shijiazhuang", "name": "城市管家"}, headers=admin)
    assert resp.status_code == 201, resp.get_json()
    issued = resp.get_json()
    key, client_id = issued["api_key"], issued["client_id"]
    assert _post_request(client, key).status_code == 201
    assert _post_request(client, key, "tangshan").status_code == 403  # bound to its own city

    listed = client.get(f"{URL}?tenant=shijiazhuang", headers=admin).get_json()
    assert any(c["client_id"] == client_id for c in listed)
    assert key not in client.get(URL, headers=admin).data.decode()  # shown once, never again
    from app.open311.models import ApiClient
    from tenants import db

    with client.application.app_context():
        row = db.session.query(ApiClient).filter_by(client_id=client_id).one()
        assert row.key_hash and key not in row.key_hash

    revoked = client.post(f"{URL}/{client_id}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert _post_request(client, key).status_code == 403
    assert client.get(f"{URL}/{client_id}", headers=admin).get_json()["revoked_at"]


def test_only_the_province_admin_manages_clients(client, auth_headers, two_tenants):
    body = {"tenant": "shijiazhuang", "name": "x"}
    assert client.post(URL, json=body).status_code == 401
    assert client.post(URL, json=body, headers=auth_headers("province.supervisor")).status_code == 403
    assert (
        client.post(URL, json=body, headers=auth_headers("city_supervisor@shijiazhuang")).status_code == 403
    )
    assert client.get(URL, headers=auth_headers("province.supervisor")).status_code == 200


def test_bad_input(client, auth_headers, two_tenants):
    admin = auth_headers("province.admin")
    assert client.post(URL, json={"tenant": "nowhere", "name": "x"}, headers=admin).status_code == 404
    assert (
        client.post(
            URL, json={"tenant": "shijiazhuang", "name": "x", "scopes": ["root"]}, headers=admin
        ).status_code
        == 422
    )
    assert client.get(f"{URL}/nope", headers=admin).status_code == 404
    assert client.post(f"{URL}/nope/revoke", headers=admin).status_code == 404
