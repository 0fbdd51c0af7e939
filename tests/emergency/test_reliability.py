"""Every message is delivered and applied exactly once on each side, whatever goes wrong in between.

The platform simulator refuses half of what we send, loses some of its answers after applying
the message, delays, duplicates and reorders what it sends us; real rq workers relay the outbox
and are killed with SIGKILL twice during delivery (with their work horses); Redis is flushed
once. Meanwhile orders are escalated to all four platforms and incidents handed over by 110 are
dispatched, signed for, replied and closed (docs/integrations.md §Delivery guarantees).
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.emergency.conftest import SJZ, wait_for
from tests.support.workers import start_worker

ESCALATIONS = 8
HANDOVERS = 4


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _kill(proc) -> None:
    """SIGKILL the worker and its work horse (a crash: no cleanup, transactions cut off)."""
    for child in _children(proc.pid):
        os.kill(child, signal.SIGKILL)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def _relay_driver(app):
    """What the scheduler's relay_all does every 30 s, every half second: a relay if none waits."""
    from app.jobs import enqueue, queue

    def tick() -> None:
        with app.app_context():
            if queue("outbox").count == 0:
                enqueue("app.outbox.service.relay", queue_name="outbox", tenant=SJZ)

    return tick


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setenv("OUTBOX_RETRY_BASE_SECONDS", "0.2")
    monkeypatch.setenv("OUTBOX_RETRY_MAX_SECONDS", "1")
    monkeypatch.setenv("OUTBOX_MAX_ATTEMPTS", "1000")


@pytest.mark.slow
def test_exactly_once_both_ways_through_failures_kills_and_a_redis_flush(
    app, services, orders, sim, entries, fast_retries, timeline
):
    from app.extensions import redis_client
    from app.outbox.models import OutboxMessage
    from tenants import db, tenant_context

    sim._control(
        {
            "fail_rate": 0.5,
            "lost_ack_rate": 0.2,
            "delay": 0.05,
            "duplicate_rate": 0.5,
            "reorder": True,
            "seed": 7,
        }
    )
    tick = _relay_driver(app)
    worker = start_worker(services, "outbox")
    try:
        targets = ["110", "119", "120", "122"]
        escalated = []
        for i in range(ESCALATIONS):
            o = orders.create()
            orders.ok(o["id"], "escalate", "agent", {"target": targets[i % 4], "reason": f"可靠性测试{i}"})
            escalated.append(o)
        handed = [
            sim.handover(
                entries[(SJZ, "110")],
                {
                    "class_code": "FJ0101",
                    "content": f"施工噪音{i}",
                    "caller": "13700002222",
                    "statuses": ["dispatched", "on_scene"],
                },
            )
            for i in range(HANDOVERS)
        ]
        kills = 0
        deadline = time.monotonic() + 240
        handled: set[str] = set()
        while time.monotonic() < deadline:
            tick()
            state = sim.state()
            received = sum(e["deliveries"] for e in state["escalations"].values())
            if (kills == 0 and received >= 2) or (kills == 1 and received >= 6):
                _kill(worker)  # mid-delivery: the relay's transaction dies with it
                kills += 1
                if kills == 1:
                    redis_client.conn.flushdb()  # queued relays and nudge flags are gone
                worker = start_worker(services, "outbox")
            for h in handed:  # each handed-over incident, once filed, goes through 12345's dispatch
                sent = next((s for s in state["sent"] if s["message_id"] == h["message_id"]), None)
                if sent and sent["done"] and h["incident_id"] not in handled:
                    status, answer = sent["answers"][-1]
                    assert status in (200, 201), answer
                    oid = answer["order_id"]
                    orders.ok(oid, "dispatch", "dispatcher", {"lead_department": "zjj"})
                    orders.ok(oid, "accept", "handler.zjj")
                    orders.ok(oid, "reply", "handler.zjj", {"content": f"已处理{oid}", "outcome": "resolved"})
                    orders.ok(oid, "close", "dispatcher", {"resolution": "已办结"})
                    handled.add(h["incident_id"])
                    h["order_id"] = oid
            if (
                kills == 2
                and len(handled) == HANDOVERS
                and _all_delivered(app, escalated, handed)
                and state["idle"]
            ):
                break
            time.sleep(0.5)
        assert kills == 2, f"the workers were killed {kills} times"
        assert len(handled) == HANDOVERS
        assert _all_delivered(app, escalated, handed), "messages still pending after 240 s"
    finally:
        _kill(worker)

    wait_for(lambda: sim.state()["idle"], 60, "the simulator's sends")
    state = sim.state()
    # the platform's side: one incident per escalation, each of 12345's steps applied once
    numbers = Counter(e["order_number"] for e in state["escalations"].values())
    assert all(numbers[o["number"]] == 1 for o in escalated), numbers
    assert sum(e["deliveries"] for e in state["escalations"].values()) >= ESCALATIONS
    for h in handed:
        steps = state["statuses"][h["incident_id"]]
        assert [s["status"] for s in steps] == ["dispatched", "signed_for", "replied", "closed"], steps
    # our side: every platform step once on the timeline, every handover one order
    incident_of = {e["order_number"]: e["incident_id"] for e in state["escalations"].values()}
    for o in escalated:
        steps = timeline(o["id"], kind="emergency.status")
        assert Counter(s["data"]["status"] for s in steps) == Counter(
            ["acknowledged", "dispatched", "closed"]
        )
        assert {s["data"]["incident_id"] for s in steps} == {incident_of[o["number"]]}
        assert len(timeline(o["id"], kind="emergency.sent")) == 1
    for h in handed:
        assert len(timeline(h["order_id"], kind="emergency.incident_received")) == 1
        assert Counter(
            s["data"]["status"] for s in timeline(h["order_id"], kind="emergency.status")
        ) == Counter(["dispatched", "on_scene"])
        assert len(timeline(h["order_id"], kind="emergency.sent")) == 4
    with app.app_context(), tenant_context(SJZ):
        from app.orders.models import Order

        refs = [f"110:{h['incident_id']}" for h in handed]
        assert Counter(
            db.session.scalars(select(Order.source_ref).where(Order.source_ref.in_(refs)))
        ) == Counter(refs)
        dead = db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.dead_at.is_not(None), OutboxMessage.destination.like("emergency:%")
            )
        ).all()
        assert not [m for m in dead if m.payload.get("order_id") in {o["id"] for o in escalated}]
    duplicates = sum(1 for s in state["sent"] if s["duplicated"])
    retried = sum(1 for s in state["sent"] if s["attempts"] > 1)
    assert duplicates and retried  # the simulator did duplicate and retry (its failures were real)


def _all_delivered(app, escalated, handed) -> bool:
    """Every emergency message about these orders is delivered (one escalation each, four steps
    back per handover), none pending or dead."""
    from app.outbox.models import OutboxMessage
    from tenants import db, tenant_context

    ids = {o["id"] for o in escalated} | {h["order_id"] for h in handed if "order_id" in h}
    m = OutboxMessage
    with app.app_context(), tenant_context(SJZ):
        rows = db.session.execute(
            select(m.delivered_at.is_not(None), m.dead_at.is_not(None)).where(
                m.destination.like("emergency:%"), m.payload["order_id"].as_integer().in_(ids)
            )
        ).all()
        db.session.rollback()
    delivered = sum(1 for d, _ in rows if d)
    return len(rows) == delivered == len(escalated) + 4 * len(handed)
