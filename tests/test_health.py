from __future__ import annotations


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["info"]["title"].startswith("12345")
    assert "/api/v1/tenants" in spec["paths"]
    assert "/api/v1/tenants/{tenant}" in spec["paths"]
    assert client.get("/api/docs").status_code == 200
