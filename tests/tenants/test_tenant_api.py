"""The provincial tenant admin API: listing, creating, bad input."""

from __future__ import annotations

from sqlalchemy import text

from tenants.db import db


def _count():
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM province.tenants")).scalar()


def test_list_and_get(client, two_tenants, auth_headers):
    h = auth_headers("province.admin")
    body = client.get("/api/v1/tenants", headers=h).get_json()
    assert {"shijiazhuang", "tangshan"} <= {t["slug"] for t in body}
    one = client.get("/api/v1/tenants/tangshan", headers=h).get_json()
    assert one["schema_name"] == "t_tangshan" and one["status"] == "active" and one["order_prefix"] == "TS"


def test_unknown_tenant_is_404(client, two_tenants, auth_headers):
    for path in ("/api/v1/tenants/nowhere", "/api/v1/tenants/Bad!Slug"):
        resp = client.get(path, headers=auth_headers("province.admin"))
        assert resp.status_code == 404
        assert resp.get_json()["message"].startswith("unknown tenant")


def test_create_validation_and_duplicates(app_ctx, client, two_tenants, auth_headers):
    h = auth_headers("province.admin")
    before = _count()
    bad = client.post("/api/v1/tenants", json={"slug": "Bad", "name": "x", "region_code": "12"}, headers=h)
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]["json"]
    assert set(errors) == {"slug", "region_code"}
    dup = client.post(
        "/api/v1/tenants", json={"slug": "tangshan", "name": "唐山市", "region_code": "130200"}, headers=h
    )
    assert dup.status_code == 409 and "already exists" in dup.get_json()["message"]
    assert _count() == before


def test_body_over_one_mib_is_413(client, two_tenants, auth_headers):
    resp = client.post(
        "/api/v1/tenants",
        data="x" * (1024 * 1024 + 10),
        content_type="application/json",
        headers=auth_headers("province.admin"),
    )
    assert resp.status_code == 413


def test_roles_other_than_province_admin_cannot_manage_tenants(app_ctx, client, two_tenants, auth_headers):
    before = _count()
    body = {"slug": "xiongan", "name": "雄安新区", "region_code": "133100"}
    assert client.post("/api/v1/tenants", json=body).status_code == 401
    for user in ("province.supervisor", "dispatcher@shijiazhuang", "city_supervisor@tangshan"):
        assert client.post("/api/v1/tenants", json=body, headers=auth_headers(user)).status_code == 403
    assert client.get("/api/v1/tenants", headers=auth_headers("agent@shijiazhuang")).status_code == 403
    assert client.get("/api/v1/tenants", headers=auth_headers("province.supervisor")).status_code == 200
    assert _count() == before
