"""Provincial supervision (省级督办): supervise any city's order, list province-wide, the city answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.orders.conftest import OrdersApi

SJZ, TS = "shijiazhuang", "tangshan"
SUP = "/api/v1/province/supervisions"


def _due(hours: int = 48) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def _supervise(orders: OrdersApi, tenant: str, order_id: int, user: str = "province.supervisor", **extra):
    body = {
        "tenant": tenant,
        "order_id": order_id,
        "note": "请于两日内报送办理进展",
        "response_due_at": _due(),
        **extra,
    }
    return orders.client.post(SUP, json=body, headers=orders.auth(user))


def _list(orders: OrdersApi, query: str = "") -> list[dict]:
    resp = orders.client.get(SUP + query, headers=orders.auth("province.supervisor"))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_supervise_any_city_and_see_the_answer(orders: OrdersApi, assert_facts_consistent):
    sjz = orders.to_state("in_progress")
    ts = orders.create(tenant=TS)
    for tenant, order in ((SJZ, sjz), (TS, ts)):
        resp = _supervise(orders, tenant, order["id"])
        assert resp.status_code == 201, resp.get_json()
        assert resp.get_json()["level"] == "province" and resp.get_json()["answered"] is False
    mine = {(r["tenant"], r["order_id"]): r for r in _list(orders, "?answered=false&level=province")}
    assert {(SJZ, sjz["id"]), (TS, ts["id"])} <= set(mine)
    sid = mine[(TS, ts["id"])]["supervision_id"]

    # the city sees the note and answers; another city cannot
    url = f"/api/v1/tenants/{TS}/orders/{ts['id']}/supervisions"
    records = orders.client.get(url, headers=orders.auth(f"dispatcher@{TS}")).get_json()
    assert records[-1]["note"] == "请于两日内报送办理进展" and records[-1]["answer"] is None
    answer = {"answer": "已联系属地街道，三日内办结"}
    assert (
        orders.client.post(
            f"{url}/{sid}/answer", json=answer, headers=orders.auth(f"dispatcher@{SJZ}")
        ).status_code
        == 403
    )
    assert orders.client.post(
        f"{url}/{sid}/answer", json=answer, headers=orders.auth(f"handler.zjj@{TS}")
    ).status_code in (403, 404)
    assert (
        orders.client.post(
            f"{url}/{sid}/answer", json={}, headers=orders.auth(f"dispatcher@{TS}")
        ).status_code
        == 422
    )
    done = orders.client.post(f"{url}/{sid}/answer", json=answer, headers=orders.auth(f"dispatcher@{TS}"))
    assert done.status_code == 200 and done.get_json()["answer"] == answer["answer"]
    again = orders.client.post(
        f"{url}/{sid}/answer", json=answer, headers=orders.auth(f"city_supervisor@{TS}")
    )
    assert again.status_code == 409

    row = next(r for r in _list(orders, "?answered=true") if r["supervision_id"] == sid and r["tenant"] == TS)
    assert row["answered_by"] == f"dispatcher@{TS}" and row["answered_at"]
    assert "answer" not in row and "note" not in row  # the texts stay in the city
    timeline = orders.client.get(
        f"/api/v1/tenants/{TS}/orders/{ts['id']}/timeline", headers=orders.auth(f"dispatcher@{TS}")
    ).get_json()
    assert [e["action"] for e in timeline][-2:] == ["order.supervise", "supervision.answered"]
    supervised = orders.client.get(
        "/api/v1/province/orders?supervised=true", headers=orders.auth("province.supervisor")
    ).get_json()
    assert {(SJZ, sjz["id"]), (TS, ts["id"])} <= {(r["tenant"], r["order_id"]) for r in supervised}
    assert_facts_consistent()


def test_city_supervision_is_listed_too(orders: OrdersApi, assert_facts_consistent):
    o = orders.to_state("dispatched")
    orders.ok(o["id"], "supervise", "city_supervisor", {"note": "市级督办", "response_due_at": _due(24)})
    rows = _list(orders, f"?tenant={SJZ}&level=city")
    assert any(r["order_id"] == o["id"] and r["created_by"] == f"city_supervisor@{SJZ}" for r in rows)
    assert_facts_consistent()


def test_unanswered_past_the_deadline(orders: OrdersApi, app):
    from app.orders.models import Supervision
    from app.province.models import SupervisionFact
    from tenants import db, tenant_context

    o = orders.to_state("in_progress")
    sid = _supervise(orders, SJZ, o["id"]).get_json()["supervision_id"]
    past = datetime.now(UTC) - timedelta(hours=1)
    with app.app_context(), tenant_context(SJZ) as ref:  # the deadline passes
        db.session.get(Supervision, sid).response_due_at = past
        fact = db.session.get(SupervisionFact, (ref.id, sid))
        fact.response_due_at = past
        db.session.commit()
    assert sid in [r["supervision_id"] for r in _list(orders, "?response_overdue=true")]


def test_bad_supervision_requests(orders: OrdersApi):
    o = orders.to_state("in_progress")
    assert _supervise(orders, SJZ, o["id"], user=f"city_supervisor@{SJZ}").status_code == 403
    assert _supervise(orders, SJZ, o["id"], user="province.admin").status_code == 403
    past = _supervise(
        orders, SJZ, o["id"], response_due_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat()
    )
    assert past.status_code == 422
    assert _supervise(orders, SJZ, o["id"], response_due_at="2026-12-01T10:00:00").status_code == 422  # naive
    assert _supervise(orders, "nowhere", o["id"]).status_code == 404
    assert _supervise(orders, SJZ, 999999).status_code == 404
    closed = orders.to_state("closed")
    assert _supervise(orders, SJZ, closed["id"]).status_code == 409
    no_note = orders.client.post(
        SUP,
        json={"tenant": SJZ, "order_id": o["id"], "response_due_at": _due()},
        headers=orders.auth("province.supervisor"),
    )
    assert no_note.status_code == 422
    records = orders.client.get(
        f"/api/v1/tenants/{SJZ}/orders/{o['id']}/supervisions", headers=orders.auth(f"dispatcher@{SJZ}")
    ).get_json()
    assert records == []  # nothing was recorded by the refused requests


def test_overdue_orders_province_wide(orders: OrdersApi, app, assert_facts_consistent):
    """The sweep marks an order overdue; the province lists it without reaching into the city."""
    from sqlalchemy import update

    from app.orders.models import Order
    from app.orders.sweep import sweep
    from tenants import db, tenant_context

    o = orders.to_state("in_progress")
    with app.app_context(), tenant_context(SJZ):
        db.session.execute(
            update(Order).where(Order.id == o["id"]).values(due_at=datetime.now(UTC) - timedelta(minutes=5))
        )
        db.session.commit()
        sweep()
    rows = orders.client.get(
        f"/api/v1/province/orders?overdue=true&tenant={SJZ}", headers=orders.auth("province.supervisor")
    ).get_json()
    assert o["id"] in [r["order_id"] for r in rows] and all(r["overdue"] for r in rows)
    assert_facts_consistent()
