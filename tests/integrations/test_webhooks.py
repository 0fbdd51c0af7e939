"""Webhooks over real HTTP with a real rq worker: signed deliveries verified by a receiver, no
personal data in events, the delivery log and replay, a receiver failing half the time and
losing acknowledgements, SIGKILL of the worker mid-delivery, and tenant isolation."""

from __future__ import annotations

import json
import os
import signal
import time

from tests.integrations.conftest import SJZ, TS

LIFECYCLE = ["order.created", "order.dispatched", "order.accepted", "order.replied", "order.closed"]


def _types(receiver, order_number: str) -> list[str]:
    return [
        e["type"]
        for e in sorted(receiver.state()["events"], key=lambda e: (e["data"]["order"]["version"], e["id"]))
        if e["data"].get("order", {}).get("number") == order_number
    ]


def test_events_are_signed_pii_free_logged_and_replayable(
    orders, receiver, outbox_worker, client, auth_headers
):
    sub = receiver.subscribe(LIFECYCLE)
    assert sub["secret"].startswith("whsec_") and sub["event_types"] == sorted(LIFECYCLE)
    body = orders.intake_body()
    o = orders.create(**body)
    orders.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
    orders.ok(o["id"], "accept", "handler.zjj")
    orders.ok(o["id"], "reply", "handler.zjj", {"content": "已处理完毕", "outcome": "resolved"})
    orders.ok(o["id"], "close", "dispatcher", {"resolution": "已办结"})

    assert outbox_worker(lambda: len(_types(receiver, o["number"])) == 5), receiver.state()
    assert _types(receiver, o["number"]) == LIFECYCLE  # in order, each once
    state = receiver.state()
    assert state["bad_signatures"] == 0 and state["duplicates"] == 0
    text = json.dumps(state["events"], ensure_ascii=False)
    caller = body["caller"]
    for secret in (
        caller["phone"],
        caller["phone"][-4:] + '"',
        caller["name"],
        body["content"],
        body["address"],
    ):
        assert secret not in text, secret
    closed = next(e for e in state["events"] if e["type"] == "order.closed")
    assert (
        closed["tenant"] == SJZ and closed["data"]["from"] == "replied" and closed["data"]["to"] == "closed"
    )
    assert closed["data"]["order"]["lead_department"] == "zjj" and closed["data"]["order"]["closed_at"]

    admin = auth_headers(f"city_supervisor@{SJZ}")
    log = client.get(f"/api/v1/tenants/{SJZ}/webhooks/{sub['id']}/deliveries?state=delivered", headers=admin)
    assert log.status_code == 200 and "X-Pagination" in log.headers
    rows = log.get_json()
    assert {r["event_type"] for r in rows} >= set(LIFECYCLE) and all(r["state"] == "delivered" for r in rows)
    first = next(r for r in rows if r["event_type"] == "order.created" and o["number"] in r["event_id"])
    shown = client.get(f"/api/v1/tenants/{SJZ}/webhooks/{sub['id']}/deliveries/{first['id']}", headers=admin)
    assert shown.get_json()["event"]["data"]["order"]["id"] == o["id"]

    replay = client.post(
        f"/api/v1/tenants/{SJZ}/webhooks/{sub['id']}/deliveries/{first['id']}/replay", headers=admin
    )
    assert replay.status_code == 202, replay.get_json()
    again = replay.get_json()
    assert again["event_id"] == first["event_id"] and again["replay_of"] and again["id"] != first["id"]
    assert outbox_worker(lambda: receiver.state()["duplicates"] == 1)  # same event id: acknowledged only
    done = client.get(f"/api/v1/tenants/{SJZ}/webhooks/{sub['id']}/deliveries/{again['id']}", headers=admin)
    assert done.get_json()["state"] == "delivered"

    ping = client.post(f"/api/v1/tenants/{SJZ}/webhooks/{sub['id']}/ping", headers=admin)
    assert ping.status_code == 202
    assert outbox_worker(lambda: any(e["type"] == "ping" for e in receiver.state()["events"]))


def test_a_receiver_failing_half_the_time_and_losing_acks_gets_every_event_once(
    orders, receiver, outbox_worker
):
    receiver.subscribe(["order.created"])
    receiver.control(fail_percent=50, ack_loss_percent=30, seed=11)
    made = [orders.create()["number"] for _ in range(12)]

    def arrived():
        got = {e["data"]["order"]["number"] for e in receiver.state()["events"]}
        return set(made) <= got

    assert outbox_worker(arrived, timeout=120), receiver.state()
    state = receiver.state()
    assert state["refused"] > 0 and state["duplicates"] > 0  # failures and resends happened
    mine = [e for e in state["events"] if e["data"]["order"]["number"] in made]
    assert len(mine) == len(made) and all(state["applied"][e["id"]] == 1 for e in mine)


def test_sigkill_of_the_worker_during_delivery_and_a_redis_flush_lose_nothing(
    orders, receiver, outbox_worker, app
):
    from tests.orders.test_sweep import _children_of

    receiver.subscribe(["order.created"])
    receiver.control(delay=0.25)  # each delivery takes a while: the worker is killed inside one
    made = [orders.create()["number"] for _ in range(16)]
    for _ in range(2):
        count = len(receiver.state()["events"])
        assert outbox_worker(lambda c=count: len(receiver.state()["events"]) > c + 1, timeout=60)
        proc = outbox_worker.worker
        horses = _children_of(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        for pid in horses:
            os.kill(pid, signal.SIGKILL)
        proc.wait(10)
        time.sleep(0.5)
        outbox_worker.restart()
    from app.extensions import redis_client

    with app.app_context():
        redis_client.conn.flushdb()  # and Redis loses its queues: the outbox rows are the truth
    receiver.control(delay=0)

    def arrived():
        return set(made) <= {e["data"]["order"]["number"] for e in receiver.state()["events"]}

    assert outbox_worker(arrived, timeout=120), receiver.state()
    state = receiver.state()
    assert state["duplicates"] > 0  # the kills hit uncommitted batches: those were sent again
    assert all(state["applied"][e["id"]] == 1 for e in state["events"])


def test_subscriptions_are_a_city_admins_and_stay_in_their_city(
    orders, receiver, outbox_worker, client, auth_headers
):
    sub = receiver.subscribe(["order.created"], tenant=SJZ)
    url = f"/api/v1/tenants/{SJZ}/webhooks"
    body = {"url": receiver.url + "/hooks", "event_types": ["order.created"]}
    for user in (
        f"city_supervisor@{TS}",
        f"dispatcher@{SJZ}",
        f"agent@{SJZ}",
        f"handler.zjj@{SJZ}",
        "province.supervisor",
    ):
        assert client.post(url, json=body, headers=auth_headers(user)).status_code == 403, user
        assert client.get(url, headers=auth_headers(user)).status_code == 403, user
    admin = auth_headers("province.admin")
    assert client.get(f"/api/v1/tenants/{TS}/webhooks/{sub['id']}", headers=admin).status_code == 404
    assert client.get(f"/api/v1/tenants/{SJZ}/webhooks/{sub['id']}", headers=admin).status_code == 200
    listed = client.get(f"/api/v1/tenants/{SJZ}/webhooks", headers=auth_headers(f"city_supervisor@{SJZ}"))
    assert [s["id"] for s in listed.get_json()] == [sub["id"]] and "secret" not in listed.get_json()[0]
    for bad in (
        {"url": "ftp://x", "event_types": ["order.created"]},
        {"url": receiver.url, "event_types": []},
        {"url": receiver.url, "event_types": ["order.nonsense"]},
        {"event_types": ["order.created"]},
    ):
        resp = client.post(url, json=bad, headers=auth_headers(f"city_supervisor@{SJZ}"))
        assert resp.status_code == 422, (bad, resp.get_json())
    ts_order = orders.intake(tenant=TS)
    assert ts_order.status_code == 201
    mine = orders.create()
    assert outbox_worker(
        lambda: any(e["data"]["order"]["number"] == mine["number"] for e in receiver.state()["events"]),
        tenants=(SJZ, TS),
    )
    assert all(e["tenant"] == SJZ for e in receiver.state()["events"])  # nothing of Tangshan
    assert ts_order.get_json()["number"] not in json.dumps(receiver.state()["events"])


def test_knowledge_expiry_notice_reaches_the_subscriber_once_per_expiry_date(app, receiver, outbox_worker):
    """The validity job's ``kb.articles_expiring`` event: delivered signed over HTTP, once per
    article and expiry date, another city's articles never in it."""
    from datetime import date, timedelta

    from sqlalchemy import delete

    from app.knowledge import service, validity
    from app.knowledge.models import CityArticle
    from tenants import db, tenant_context
    from tests.knowledge.test_search import publish
    from tests.knowledge.test_workflow import CS, EDIT_CITY, fields, who

    receiver.subscribe(["kb.articles_expiring"])
    today = date.today()
    unit = "石家庄市住房和城乡建设局"
    with app.app_context():
        with tenant_context(SJZ):
            art = publish(
                EDIT_CITY,
                CS,
                False,
                title="通知甲-加装电梯",
                issuing_unit=unit,
                valid_to=today + timedelta(days=6),
            )
            db.session.commit()
        with tenant_context(TS):
            editor, reviewer = who("kb_editor", TS), who("city_supervisor", TS)
            other = service.create(editor, province=False, **fields(title="唐山的通知", valid_to=today))
            service.transition(editor, other.id, "submit", province=False)
            service.transition(reviewer, other.id, "publish", province=False)
            db.session.commit()
        try:
            validity.run_daily(today)
            validity.run_daily(today)  # a second run the same day tells nobody again

            def notices():
                events = receiver.state()["events"]  # other tests' articles may expire too
                return [
                    e
                    for e in events
                    if e["type"] == "kb.articles_expiring" and e["data"]["issuing_unit"] == unit
                ]

            assert outbox_worker(lambda: len(notices()) == 1), receiver.state()
            event = notices()[0]
            assert event["tenant"] == SJZ and event["data"]["issuing_unit"] == unit
            assert event["data"]["articles"] == [
                {
                    "id": art.id,
                    "title": "通知甲-加装电梯",
                    "valid_to": (today + timedelta(days=6)).isoformat(),
                }
            ]
            assert receiver.state()["bad_signatures"] == 0
            assert "唐山的通知" not in json.dumps(receiver.state()["events"], ensure_ascii=False)
            with tenant_context(SJZ):
                db.session.get(CityArticle, art.id).valid_to = today + timedelta(days=9)  # renewed
                db.session.commit()
            validity.run_daily(today + timedelta(days=1))
            assert outbox_worker(lambda: len(notices()) == 2), receiver.state()
            assert notices()[1]["data"]["articles"][0]["valid_to"] == (today + timedelta(days=9)).isoformat()
        finally:
            for slug in (SJZ, TS):
                with tenant_context(slug):
                    db.session.execute(
                        delete(CityArticle).where(CityArticle.title.in_(["通知甲-加装电梯", "唐山的通知"]))
                    )
                    db.session.commit()
