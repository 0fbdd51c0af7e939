"""The whole way with a real rq worker and Redis: a failing delivery ends in the dead letter after N
attempts; a province admin's retry over the API delivers it.

The receiver is a real one: a cross-city transfer whose target city is disabled (its handler cannot
enter the city), so each relay attempt fails until the city is active again.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from tests.outbox.conftest import SJZ
from tests.support.workers import burst_worker

TOWN = "outbox_town"
N = 3


@pytest.fixture
def town(app, two_tenants):
    from tenants import context, db, provision

    with app.app_context():
        provision.create_tenant(TOWN, name="投递测试市", region_code="139600", order_prefix="TD")

    def set_status(status: str) -> None:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(
                text("UPDATE province.tenants SET status = :s WHERE slug = :t"), {"s": status, "t": TOWN}
            )
        context.invalidate(TOWN)

    yield set_status
    with app.app_context():
        provision.drop_tenant(TOWN, yes=True)


def test_dead_after_n_attempts_then_an_admin_retry_delivers(
    orders, client, auth_headers, services, app, town, monkeypatch
):
    from app.extensions import redis_client
    from app.jobs import enqueue, queue
    from app.province.models import Transfer
    from tenants import db, tenant_context

    redis_client.conn.flushdb()
    town("disabled")  # e.g. under maintenance: the target cannot take the transfer now
    src = orders.create()
    orders.ok(src["id"], "transfer", "dispatcher", {"to_tenant": TOWN, "reason": "事发地在测试市"})
    for _ in range(N):  # one relay per attempt; no backoff in this worker, N attempts in all
        enqueue("app.outbox.service.relay", queue_name="outbox", tenant=SJZ)
    monkeypatch.setenv("OUTBOX_MAX_ATTEMPTS", str(N))
    monkeypatch.setenv("OUTBOX_RETRY_BASE_SECONDS", "0")
    result = burst_worker(services, "outbox")
    assert result.returncode == 0, result.stderr[-3000:]

    admin = auth_headers("province.admin")
    listed = client.get(
        f"/api/v1/province/outbox/dead-letters?tenant={SJZ}&destination=city:{TOWN}", headers=admin
    ).get_json()
    assert len(listed) == 1, listed
    dead = listed[0]
    assert (dead["topic"], dead["state"], dead["attempts"]) == ("order.transfer_requested", "dead", N)
    assert "disabled" in dead["last_error"]
    shown = client.get(f"/api/v1/province/outbox/dead-letters/{SJZ}/{dead['id']}", headers=admin).get_json()
    assert shown["payload"]["order_id"] == src["id"] and shown["payload"]["to_tenant"] == TOWN
    with app.app_context():
        assert db.session.scalar(select(Transfer.id).where(Transfer.source_order_id == src["id"])) is None

    town("active")
    monkeypatch.delenv("OUTBOX_RETRY_BASE_SECONDS")
    before = queue("outbox").count
    resp = client.post(f"/api/v1/province/outbox/dead-letters/{SJZ}/{dead['id']}/retry", headers=admin)
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["state"], resp.get_json()["attempts"]) == ("pending", 0)
    assert queue("outbox").count == before + 1  # the retry's commit queued a relay
    result = burst_worker(services, "outbox")
    assert result.returncode == 0, result.stderr[-3000:]

    shown = client.get(f"/api/v1/province/outbox/dead-letters/{SJZ}/{dead['id']}", headers=admin).get_json()
    assert (shown["state"], shown["attempts"], shown["retried_by"]) == ("delivered", 1, "province.admin")
    with app.app_context():
        t = db.session.scalars(select(Transfer).where(Transfer.source_order_id == src["id"])).one()
        with tenant_context(TOWN):
            from app.orders.models import Order

            assert db.session.get(Order, t.target_order_id).source_ref == src["number"]
    timeline = client.get(
        f"/api/v1/tenants/{SJZ}/orders/{src['id']}/timeline", headers=auth_headers(f"dispatcher@{SJZ}")
    ).get_json()
    actions = [e["action"] for e in timeline]
    assert actions.index("outbox.retried") < actions.index("transfer.delivered")


@pytest.fixture
def orders(client, auth_headers, two_tenants):
    from tests.orders.conftest import OrdersApi

    return OrdersApi(client, auth_headers)
