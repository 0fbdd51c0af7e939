"""Cross-city transfer (跨市转办) between shijiazhuang and tangshan: round trip, refusal, dispute."""

from __future__ import annotations

from tests.orders.conftest import OrdersApi
from tests.support.workers import burst_worker

SJZ, TS = "shijiazhuang", "tangshan"


def _transfer(orders: OrdersApi, relay, **overrides) -> tuple[dict, dict]:
    """Transfer a new shijiazhuang order to tangshan and deliver it: (source order, transfer row)."""
    src = orders.create(**overrides)
    orders.ok(src["id"], "transfer", "dispatcher", {"to_tenant": TS, "reason": "事发地在唐山市路北区"})
    relay()
    rows = orders.client.get(
        f"/api/v1/tenants/{TS}/transfers?direction=in&status=pending", headers=orders.auth(f"dispatcher@{TS}")
    ).get_json()
    t = next(r for r in rows if r["source_order_id"] == src["id"])
    return src, t


def _timeline(orders: OrdersApi, tenant: str, order_id: int) -> list[dict]:
    resp = orders.client.get(
        f"/api/v1/tenants/{tenant}/orders/{order_id}/timeline", headers=orders.auth(f"dispatcher@{tenant}")
    )
    assert resp.status_code == 200, resp.get_json()
    return [e for e in resp.get_json() if e["action"] != "caller.phone_revealed"]


def _city(orders: OrdersApi, tenant: str, transfer_id: int, action: str, body=None, user="dispatcher"):
    return orders.client.post(
        f"/api/v1/tenants/{tenant}/transfers/{transfer_id}/{action}",
        json=body or {},
        headers=orders.auth(f"{user}@{tenant}"),
    )


def test_round_trip_with_both_timelines(orders: OrdersApi, relay, assert_facts_consistent):
    src, t = _transfer(orders, relay)
    assert (t["status"], t["source_tenant"], t["source_number"], t["target_tenant"]) == (
        "pending",
        SJZ,
        src["number"],
        TS,
    )
    target = orders.get(t["target_order_id"], tenant=TS, query="?reveal=phone").get_json()
    source = orders.get(src["id"], query="?reveal=phone").get_json()
    assert target["status"] == "received" and target["number"] == t["target_number"] != src["number"]
    assert target["source_ref"] == src["number"]  # the original number is kept as a reference
    assert target["caller"] == source["caller"] and target["content"] == source["content"]
    assert target["district_code"] is None  # districts belong to the source city
    assert_facts_consistent()

    accepted = _city(orders, TS, t["id"], "accept")
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert _city(orders, TS, t["id"], "accept").status_code == 409
    dispatched = orders.act(
        t["target_order_id"], "dispatch", "dispatcher", {"lead_department": "zjj"}, tenant=TS
    )
    assert dispatched.status_code == 200, dispatched.get_json()
    relay()

    source_actions = [e["action"] for e in _timeline(orders, SJZ, src["id"])]
    assert source_actions == [
        "order.received",
        "order.transfer",
        "transfer.delivered",
        "transfer.accepted",
        "transfer.progress",
    ]
    progress = _timeline(orders, SJZ, src["id"])[-1]["data"]
    assert (progress["target_action"], progress["status"], progress["target_number"]) == (
        "dispatch",
        "dispatched",
        target["number"],
    )
    target_actions = [e["action"] for e in _timeline(orders, TS, t["target_order_id"])]
    assert target_actions == ["order.received", "transfer.received", "transfer.accepted", "order.dispatch"]

    listed = orders.client.get(
        f"/api/v1/province/transfers?tenant={SJZ}", headers=orders.auth("province.supervisor")
    )
    assert any(r["id"] == t["id"] and r["status"] == "accepted" for r in listed.get_json())
    assert orders.get(src["id"]).get_json()["status"] == "transferred"
    assert relay() == 0  # every message delivered once; a rerun changes nothing
    assert [e["action"] for e in _timeline(orders, SJZ, src["id"])] == source_actions
    assert_facts_consistent()


def test_refused_transfer_goes_back_to_the_source(orders: OrdersApi, relay, assert_facts_consistent):
    src, t = _transfer(orders, relay)
    bad = _city(orders, TS, t["id"], "send-back", {})
    assert bad.status_code == 422 and "reason" in str(bad.get_json()["errors"])
    refused = _city(orders, TS, t["id"], "send-back", {"reason": "经核实事发地在石家庄市"})
    assert refused.status_code == 200 and refused.get_json()["status"] == "sent_back"
    assert orders.get(t["target_order_id"], tenant=TS).get_json()["status"] == "transferred"
    assert _city(orders, TS, t["id"], "send-back", {"reason": "again"}).status_code == 409
    relay()

    back = orders.get(src["id"]).get_json()
    assert back["status"] == "returned" and back["transferred_to"] is None
    entry = _timeline(orders, SJZ, src["id"])[-1]
    assert entry["action"] == "transfer.sent_back" and entry["data"]["reason"] == "经核实事发地在石家庄市"
    assert _timeline(orders, TS, t["target_order_id"])[-1]["action"] == "transfer.sent_back"
    # the source dispatcher handles it locally now
    orders.ok(src["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
    assert _city(orders, SJZ, t["id"], "dispute", {"reason": "x"}).status_code == 409  # already handled here
    assert_facts_consistent()


def test_send_back_refused_once_the_target_handles_it(orders: OrdersApi, relay):
    _src, t = _transfer(orders, relay)
    orders.act(t["target_order_id"], "dispatch", "dispatcher", {"lead_department": "zjj"}, tenant=TS)
    resp = _city(orders, TS, t["id"], "send-back", {"reason": "不属于本市"})
    assert resp.status_code == 409 and "already being handled" in resp.get_json()["message"]


def test_dispute_decided_for_the_target(orders: OrdersApi, relay, assert_facts_consistent):
    src, t = _transfer(orders, relay)
    _city(orders, TS, t["id"], "send-back", {"reason": "不属于唐山市"})
    early = orders.client.post(
        f"/api/v1/province/transfers/{t['id']}/decide",
        json={"handled_by": "target"},
        headers=orders.auth("province.supervisor"),
    )
    assert early.status_code == 409  # not disputed yet
    relay()
    disputed = _city(orders, SJZ, t["id"], "dispute", {"reason": "诉求人住址与事发地均在唐山市"})
    assert disputed.status_code == 200 and disputed.get_json()["status"] == "disputed"
    waiting = orders.client.get(
        "/api/v1/province/transfers?status=disputed", headers=orders.auth("province.supervisor")
    )
    assert [r["id"] for r in waiting.get_json()] == [t["id"]]

    url = f"/api/v1/province/transfers/{t['id']}/decide"
    body = {"handled_by": "target", "note": "事发地在唐山市，由唐山市办理"}
    assert (
        orders.client.post(url, json=body, headers=orders.auth(f"city_supervisor@{SJZ}")).status_code == 403
    )
    assert orders.client.post(url, json=body, headers=orders.auth("province.admin")).status_code == 403
    assert (
        orders.client.post(
            url, json={"handled_by": "nobody"}, headers=orders.auth("province.supervisor")
        ).status_code
        == 422
    )
    decided = orders.client.post(url, json=body, headers=orders.auth("province.supervisor"))
    assert decided.status_code == 200, decided.get_json()
    assert (decided.get_json()["status"], decided.get_json()["decision"]) == ("decided", "target")
    assert orders.client.post(url, json=body, headers=orders.auth("province.supervisor")).status_code == 409
    assert orders.get(src["id"]).get_json()["status"] == "transferred"
    relay()

    target = orders.get(t["target_order_id"], tenant=TS).get_json()
    assert target["status"] == "received" and target["transferred_to"] is None
    src_actions = [e["action"] for e in _timeline(orders, SJZ, src["id"])]
    assert src_actions == [
        "order.received",
        "order.transfer",
        "transfer.delivered",
        "transfer.sent_back",
        "transfer.disputed",
        "transfer.decided",
    ]
    tgt_actions = [e["action"] for e in _timeline(orders, TS, t["target_order_id"])]
    assert tgt_actions == [
        "order.received",
        "transfer.received",
        "transfer.sent_back",
        "transfer.disputed",
        "transfer.decided",
    ]
    assert_facts_consistent()


def test_dispute_decided_for_the_source(orders: OrdersApi, relay, assert_facts_consistent):
    src, t = _transfer(orders, relay)
    _city(orders, TS, t["id"], "send-back", {"reason": "不属于唐山市"})
    relay()
    _city(orders, SJZ, t["id"], "dispute", {"reason": "应由唐山市办理"})
    decided = orders.client.post(
        f"/api/v1/province/transfers/{t['id']}/decide",
        json={"handled_by": "source", "note": "首接负责，由石家庄市办理"},
        headers=orders.auth("province.supervisor"),
    )
    assert decided.status_code == 200 and decided.get_json()["decision"] == "source"
    relay()
    assert orders.get(src["id"]).get_json()["status"] == "returned"
    assert orders.get(t["target_order_id"], tenant=TS).get_json()["status"] == "transferred"
    assert _timeline(orders, TS, t["target_order_id"])[-1]["action"] == "transfer.decided"
    assert_facts_consistent()


def test_only_the_right_city_and_role_answers(orders: OrdersApi, relay):
    _src, t = _transfer(orders, relay)
    assert _city(orders, SJZ, t["id"], "accept").status_code == 404  # the source cannot accept for the target
    assert _city(orders, TS, t["id"], "accept", user="agent").status_code == 403
    assert _city(orders, TS, t["id"], "accept", user="handler.zjj").status_code == 403
    other_city = orders.client.post(
        f"/api/v1/tenants/{TS}/transfers/{t['id']}/accept", json={}, headers=orders.auth(f"dispatcher@{SJZ}")
    )
    assert other_city.status_code == 403
    assert _city(orders, TS, t["id"], "dispute", {"reason": "x"}).status_code == 404
    listed = orders.client.get("/api/v1/province/transfers", headers=orders.auth(f"dispatcher@{TS}"))
    assert listed.status_code == 403
    rows = orders.client.get(
        f"/api/v1/tenants/{TS}/transfers", headers=orders.auth(f"dispatcher@{TS}")
    ).get_json()
    assert next(r for r in rows if r["id"] == t["id"])["status"] == "pending"  # nothing changed


def test_transfer_delivered_by_a_real_worker(orders: OrdersApi, services, app):
    """The source transaction's commit nudges the outbox queue; an rq worker creates the target order."""
    from app.extensions import redis_client

    redis_client.conn.flushdb()
    src = orders.create()
    orders.ok(src["id"], "transfer", "dispatcher", {"to_tenant": TS, "reason": "属唐山市"})
    result = burst_worker(services, "outbox")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = orders.client.get(
        "/api/v1/province/transfers", headers=orders.auth("province.supervisor")
    ).get_json()
    t = next(r for r in rows if r["source_order_id"] == src["id"] and r["source_tenant"] == SJZ)
    assert t["status"] == "pending" and t["target_number"]
    assert orders.get(t["target_order_id"], tenant=TS).get_json()["source_ref"] == src["number"]
