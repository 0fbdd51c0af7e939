"""Delivery in-process against the real database: ordering per destination, backoff, dead letters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.outbox.conftest import SJZ


class Receiver:
    """A handler that records what reached it and fails while told to (per destination)."""

    def __init__(self):
        self.got: list[tuple[str, int]] = []
        self.down: set[str] = set()
        self.calls = 0

    def __call__(self, message) -> None:
        self.calls += 1
        if message.destination in self.down:
            raise ConnectionError(f"{message.destination} is down; caller 13812345678 waits")
        self.got.append((message.destination, message.id))


def test_a_failing_message_holds_back_its_line_only(topic, put, relay_in, message, policy, line):
    policy(max_attempts=5, base=60)
    rx = Receiver()
    t = topic(rx)
    a, b = f"{line}:a", f"{line}:b"
    a1, b1, a2, b2 = put(t, a), put(t, b), put(t, a), put(t, b)
    rx.down.add(a)
    assert relay_in() == 2
    assert rx.got == [(b, b1), (b, b2)]  # b flows; a's head failed, a2 was not even tried
    head, held = message(a1), message(a2)
    assert (head["state"], head["attempts"], held["attempts"]) == ("pending", 1, 0)
    assert "ConnectionError" in head["last_error"]
    assert head["available_at"] > datetime.now(UTC) + timedelta(seconds=25)  # backing off (60 s x jitter)

    rx.down.clear()
    assert relay_in() == 0  # the head is not due yet: its line waits, nothing overtakes it
    _due_now(a1)
    assert relay_in() == 2
    assert rx.got[2:] == [(a, a1), (a, a2)]  # in order, the head first
    assert message(a1)["state"] == message(a2)["state"] == "delivered"


def test_backoff_is_exponential_with_jitter_and_capped():
    from app.outbox.service import RetryPolicy

    policy = RetryPolicy(max_attempts=8, base_seconds=10, max_seconds=300)
    for attempt, ceiling in ((1, 10), (2, 20), (3, 40), (4, 80), (5, 160), (6, 300), (7, 300), (60, 300)):
        delays = {policy.delay(attempt).total_seconds() for _ in range(200)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays), (attempt, min(delays), max(delays))
        assert len(delays) > 100  # jittered: retries of many messages do not arrive together


def test_after_n_attempts_the_message_is_dead_and_the_line_moves_on(
    topic, put, relay_in, message, policy, line
):
    policy(max_attempts=3, base=0)
    rx = Receiver()
    t = topic(rx)
    first, second = put(t, line, n=1), put(t, line, n=2)
    rx.down.add(line)
    for attempt in (1, 2):
        assert relay_in() == 0  # one attempt per relay run, even with no backoff
        assert (message(first)["attempts"], message(first)["state"]) == (attempt, "pending")
    assert relay_in() == 0
    dead = message(first)
    assert dead["state"] == "dead" and dead["attempts"] == 3 and dead["dead_at"] is not None
    assert dead["delivered_at"] is None
    assert message(second)["attempts"] == 0  # never tried while the head was alive
    rx.down.clear()
    assert relay_in() == 1  # a dead letter steps out of its line: the next one goes
    assert rx.got == [(line, second)] and message(first)["state"] == "dead"


def test_rejected_is_dead_at_once(topic, put, relay_in, message, policy, line):
    from app.outbox.registry import Rejected

    policy(max_attempts=8, base=0)

    def refuse(m):
        raise Rejected("422 from the receiver: unknown category")

    mid = put(topic(refuse), line)
    relay_in()
    m = message(mid)
    assert (m["state"], m["attempts"]) == ("dead", 1) and "unknown category" in m["last_error"]


def test_escalations_wait_visibly_and_are_never_marked_delivered(orders, relay_in, message, policy):
    from app.outbox.models import OutboxMessage
    from tenants import db, tenant_context

    policy(max_attempts=2, base=0)
    o = orders.create()
    orders.ok(o["id"], "escalate", "agent", {"target": "120", "reason": "老人晕倒"})
    with tenant_context(SJZ):
        mid = db.session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.topic == "order.escalated",
                OutboxMessage.payload["order_id"].as_integer() == o["id"],
            )
        )
    relay_in()
    m = message(mid)
    assert (m["state"], m["attempts"], m["destination"]) == ("pending", 1, "emergency:120")
    assert "no endpoint configured for the 120 platform" in m["last_error"]
    relay_in()
    m = message(mid)
    assert m["state"] == "dead" and m["delivered_at"] is None


def test_a_failed_handler_leaves_no_writes_and_keeps_the_others_notes(
    topic, put, relay_in, message, policy, line
):
    """A failure rolls back its savepoint only: an earlier handler's audit entry in the same batch stays."""
    from app.audit import service as audit
    from app.audit.models import AuditEntry
    from tenants import db, tenant_context
    from tenants.models import TenantSetting

    policy(max_attempts=3, base=0)

    def records(m):
        audit.record("test.delivered", actor=audit.Actor.system("test"), key=line)

    def half_done(m):
        db.session.add(TenantSetting(key=f"probe:{line}", value={"written": "by a handler that then failed"}))
        audit.record("test.half_done", actor=audit.Actor.system("test"), key=line)
        db.session.flush()
        raise RuntimeError("failed after writing")

    ok, bad = put(topic(records), f"{line}:ok"), put(topic(half_done), f"{line}:bad")
    assert relay_in() == 1
    assert (message(ok)["state"], message(bad)["attempts"]) == ("delivered", 1)
    with tenant_context(SJZ):
        assert db.session.get(TenantSetting, f"probe:{line}") is None
        written = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.data["key"].astext == line)
        ).all()
    assert written == ["test.delivered"]


def test_concurrent_relays_deliver_each_message_once_in_order(app, topic, put, message, policy, line):
    """Two relays of one city at once (two threads, two connections): the advisory lock serializes them."""
    import threading
    import time

    from app.outbox.service import relay
    from tenants import tenant_context

    policy(max_attempts=3, base=0)
    got: list[int] = []

    def slow(m):
        time.sleep(0.01)
        got.append(m.id)

    t = topic(slow)
    ids = [put(t, line) for _ in range(30)]

    def run():
        with app.app_context(), tenant_context(SJZ):
            relay(batch=7)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert got == ids
    assert all(message(i)["state"] == "delivered" for i in ids)


def _due_now(message_id: int) -> None:
    from app.outbox.models import OutboxMessage
    from tenants import db, tenant_context

    with tenant_context(SJZ):
        db.session.get(OutboxMessage, message_id).available_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()


@pytest.fixture
def orders(client, auth_headers, two_tenants):
    from tests.orders.conftest import OrdersApi

    return OrdersApi(client, auth_headers)


def test_a_commit_after_a_relay_started_queues_the_next_relay(topic, put, relay_in, line):
    """At most one relay per city waits in the queue, and none is lost to the dedupe."""
    from app.extensions import redis_client
    from app.jobs import queue

    redis_client.conn.flushdb()
    t = topic(Receiver())
    put(t, line)
    assert queue("outbox").count == 1  # the commit queued a relay
    put(t, line)
    assert queue("outbox").count == 1  # one is already waiting: it will see this message too
    relay_in()  # a relay starts (here in-process): the flag is cleared
    put(t, line)
    assert queue("outbox").count == 2  # so the next commit queues another
    redis_client.conn.flushdb()


def test_http_only_handlers_run_without_a_savepoint_and_a_long_batch_is_cut(
    app_ctx, put, relay_in, message, policy, line, monkeypatch
):
    """``handles(..., writes=False)``: a failure still holds its line only; a batch ends after
    BATCH_SECONDS and the run goes on with the next one, in order."""
    import time
    import uuid

    from app.outbox import registry, service

    policy(max_attempts=5, base=60)
    monkeypatch.setattr(service, "BATCH_SECONDS", 0.05)
    rx = Receiver()

    def slow(message):
        time.sleep(0.02)
        rx(message)

    name = f"test.{uuid.uuid4().hex[:10]}"
    registry.handles(name, slow, writes=False)
    try:
        a, b = f"{line}:a", f"{line}:b"
        ids = [put(name, b) for _ in range(8)]
        a1 = put(name, a)
        rx.down.add(a)
        assert relay_in() == 8  # several batches of about 0.05 s, one run
        assert rx.got == [(b, i) for i in ids]
        assert (message(a1)["state"], message(a1)["attempts"]) == ("pending", 1)
        assert "ConnectionError" in message(a1)["last_error"]
    finally:
        registry._routes.pop(name, None)
        from sqlalchemy import delete

        from app.outbox.models import OutboxMessage
        from tenants import db, tenant_context

        with tenant_context(SJZ):
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.topic == name))
            db.session.commit()
