"""Idempotent intake and one winner among concurrent actors, with real threads and connections."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import func, select

from app.orders.models import Order
from tenants import db, tenant_context
from tests.orders.conftest import OrdersApi


def _parallel(n, fn):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        results[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_same_idempotency_key_twenty_times_concurrently_creates_one_order(app, orders: OrdersApi):
    key = f"intake-{uuid.uuid4()}"
    body = orders.intake_body()
    headers = {**orders.auth("agent@shijiazhuang"), "Idempotency-Key": key}

    def post(_):
        with app.test_client() as c:
            r = c.post(orders.url(), json=body, headers=headers)
            return r.status_code, r.get_json().get("id"), r.headers.get("Idempotent-Replayed")

    results = _parallel(20, post)
    assert {code for code, _, _ in results} == {201}, results
    ids = {oid for _, oid, _ in results}
    assert len(ids) == 1
    assert sum(1 for *_, replay in results if replay is None) == 1  # exactly one request created it
    with app.app_context(), tenant_context("shijiazhuang"):
        count = db.session.scalar(
            select(func.count())
            .select_from(Order)
            .where(
                Order.content == body["content"],
                Order.caller_phone_masked.is_not(None),
                Order.id == ids.pop(),
            )
        )
    assert count == 1


def test_same_key_with_another_body_is_refused(orders: OrdersApi):
    key = f"intake-{uuid.uuid4()}"
    first = orders.intake(headers={"Idempotency-Key": key})
    assert first.status_code == 201
    other = orders.intake(headers={"Idempotency-Key": key}, content="完全不同的内容")
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["message"]


def test_two_dispatchers_at_once_never_both_win(app, orders: OrdersApi):
    for _ in range(3):
        o = orders.create()

        def dispatch(i, order_id=o["id"]):
            with app.test_client() as c:
                r = c.post(
                    orders.url(f"/{order_id}/dispatch"),
                    json={"lead_department": ["zjj", "cgj"][i]},
                    headers=orders.auth("dispatcher@shijiazhuang"),
                )
                return r.status_code

        codes = sorted(_parallel(2, dispatch))
        assert codes == [200, 409], codes
        final = orders.get(o["id"]).get_json()
        assert final["version"] == 2 and len([a for a in final["assignments"] if a["active"]]) == 1


def test_stale_if_match_is_412_and_changes_nothing(orders: OrdersApi):
    o = orders.create()
    etag = orders.get(o["id"]).headers["ETag"]
    orders.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
    stale = orders.act(o["id"], "return", "handler.zjj", {"reason": "x"}, if_match=etag)
    assert stale.status_code == 412
    fresh = orders.get(o["id"]).headers["ETag"]
    assert orders.act(o["id"], "accept", "handler.zjj", if_match=fresh).status_code == 200
    assert orders.act(o["id"], "accept", "handler.zjj", if_match="garbage").status_code == 412
