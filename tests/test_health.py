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


def test_metrics_count_requests_by_rule_and_intake_by_channel(client, auth_headers, two_tenants):
    from tests.orders.conftest import OrdersApi

    before = client.get("/metrics").get_data(as_text=True)
    OrdersApi(client, auth_headers).create(channel="wechat")
    client.get(
        "/api/v1/tenants/shijiazhuang/orders/987654321", headers=auth_headers("dispatcher@shijiazhuang")
    )
    text = client.get("/metrics").get_data(as_text=True)
    assert 'hotline_orders_received_total{channel="wechat",tenant="shijiazhuang"}' in text
    assert 'rule="/api/v1/tenants/<string:tenant>/orders/<int:order_id>",status="404"' in text
    assert "hotline_rq_queue_depth" in text and 'queue="sla"' in text
    assert "orders/987654321" not in text  # raw paths never become labels
    assert text != before
