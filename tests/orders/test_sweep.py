"""The deadline sweep: warnings, overdue marks, automatic supervision; survives kill -9 and a Redis flush."""

from __future__ import annotations

import os
import signal
import time

from sqlalchemy import text

from tenants import db, tenant_context
from tests.orders.conftest import OrdersApi
from tests.support.workers import burst_worker, start_worker


def _age(order_ids, due_offset="-1 hour", warn_offset="-2 hours"):
    with db.engine.begin() as conn:
        conn.execute(
            text(
                f"UPDATE t_shijiazhuang.orders SET due_at = now() + interval '{due_offset}', "
                f"warn_at = now() + interval '{warn_offset}' WHERE id = ANY(:ids)"
            ),
            {"ids": list(order_ids)},
        )


def _state(order_ids):
    with db.engine.connect() as conn:
        overdue = conn.execute(
            text(
                "SELECT count(*) FROM t_shijiazhuang.orders WHERE id = ANY(:ids) AND overdue_at IS NOT NULL"
            ),
            {"ids": list(order_ids)},
        ).scalar()
        supervisions = conn.execute(
            text(
                "SELECT count(*) FROM t_shijiazhuang.supervisions WHERE order_id = ANY(:ids) AND level = 'auto'"
            ),
            {"ids": list(order_ids)},
        ).scalar()
    return overdue, supervisions


def test_sweep_marks_due_orders_once(app_ctx, orders: OrdersApi):
    from app.orders.sweep import sweep

    due = [orders.to_state("in_progress")["id"] for _ in range(3)]
    not_due = orders.to_state("in_progress")["id"]
    closed = orders.to_state("closed")["id"]
    _age([*due, closed])
    with tenant_context("shijiazhuang"):
        first = sweep()
        second = sweep()
    assert first.overdue >= 3 and second.overdue == 0
    assert _state(due) == (3, 3)
    assert _state([not_due, closed]) == (0, 0)
    o = orders.get(due[0]).get_json()
    assert o["overdue"] is True
    actions = [
        e["action"]
        for e in orders.client.get(
            orders.url(f"/{due[0]}/timeline"), headers=orders.auth("dispatcher@shijiazhuang")
        ).get_json()
    ]
    assert "order.deadline_warning" in actions and "order.overdue" in actions


def test_extension_clears_overdue(app_ctx, orders: OrdersApi):
    o = orders.to_state("in_progress")
    _age([o["id"]], due_offset="+1 hour", warn_offset="-1 hour")
    aged = orders.get(o["id"]).get_json()
    orders.ok(o["id"], "request-extension", "handler.zjj", {"working_days": 2, "reason": "需检测"})
    after = orders.ok(o["id"], "approve-extension", "dispatcher", {})
    # the extension counts from the due date in force (the aged one), not the intake-time copy
    assert after["overdue"] is False and after["due_at"] > aged["due_at"]


def test_kill_minus_nine_mid_sweep_and_redis_flush_lose_nothing(app_ctx, services, orders: OrdersApi):
    from app.extensions import redis_client
    from app.jobs import enqueue
    from app.orders.sweep import sweep

    due = [orders.create()["id"] for _ in range(30)]
    _age(due)
    # Hold the supervisions table so the sweep blocks mid-way inside its transaction: its
    # warnings are written, its automatic supervision insert waits. (A row lock on an order
    # would not do: the sweep skips locked orders and finishes without waiting.)
    blocker = db.engine.connect()
    tx = blocker.begin()
    blocker.execute(text("LOCK TABLE t_shijiazhuang.supervisions IN EXCLUSIVE MODE"))
    blocker_pid = blocker.execute(text("SELECT pg_backend_pid()")).scalar()
    with tenant_context("shijiazhuang"):
        job = enqueue(sweep, queue_name="sla", batch=1000)
    worker = start_worker(services, "sla")
    try:
        sweeper = _wait_for(lambda: _blocked_by(blocker_pid), 60, "the sweep to wait on the lock")
        assert job.get_status(refresh=True) == "started"
        horses = _children_of(worker.pid)  # rq runs the job in a forked work horse
        assert horses, "expected the job to run in a work horse"
        worker.kill()
        for pid in horses:
            os.kill(pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:  # a failed assertion above: no worker outlives the test
            for pid in _children_of(worker.pid):
                os.kill(pid, signal.SIGKILL)
            worker.kill()
            worker.wait(10)
        tx.rollback()
        blocker.close()
    # the killed sweep's backend rolls back and exits once it finds its client gone
    _wait_for(lambda: not _backend_alive(sweeper), 30, "the killed sweep's backend to exit")
    assert _state(due)[0] < len(due)  # the killed sweep committed nothing for its batch
    redis_client.conn.flushdb()  # losing Redis loses no deadline: they live in PostgreSQL
    with tenant_context("shijiazhuang"):
        enqueue(sweep, queue_name="sla")
    result = burst_worker(services, "sla")
    assert result.returncode == 0, result.stderr[-2000:]
    assert _state(due) == (30, 30)


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return value


def _blocked_by(pid: int) -> int | None:
    """The backend waiting on a lock that ``pid`` holds, if one is."""
    with db.engine.connect() as conn:
        return conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE :p = ANY(pg_blocking_pids(pid)) LIMIT 1"), {"p": pid}
        ).scalar()


def _backend_alive(pid: int) -> bool:
    with db.engine.connect() as conn:
        return bool(
            conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}).scalar()
        )


def _children_of(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return out
