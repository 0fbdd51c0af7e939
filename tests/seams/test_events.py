"""Observers get typed events that carry what changed (app.orders.events.OrderChanged)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event

from app.orders import events
from app.orders.events import OrderChanged
from app.orders.models import Assignment, Supervision
from tenants import db

from .conftest import SJZ


@pytest.fixture
def seen():
    """Every event the observers are told about during the test, in order."""
    got: list[OrderChanged] = []
    events._observers.append(got.append)
    yield got
    events._observers.remove(got.append)


def test_intake_tells_observers_of_a_new_order(orders, seen):
    o = orders.create()
    (e,) = [e for e in seen if e.order.id == o["id"]]
    assert e.action == "received" and e.created and e.before_status is None and e.after_status == "received"
    assert e.order.number == o["number"] and e.details["channel"] == "phone"


def test_an_action_carries_its_before_and_after_and_the_rows_it_added(orders, seen):
    o = orders.create()
    seen.clear()
    orders.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "zjj", "assist_departments": ["cgj"]})
    (e,) = seen
    assert (e.action, e.before_status, e.after_status, e.created) == (
        "dispatch",
        "received",
        "dispatched",
        False,
    )
    assert e.changes["status"] == ("received", "dispatched")
    assert e.changes["lead_department"] == (None, "zjj")
    assert e.changes["version"] == (o["version"], o["version"] + 1)
    assert "title" not in e.changes  # only what changed
    assert {(a.department_code, a.role) for a in e.added_of(Assignment)} == {
        ("zjj", "lead"),
        ("cgj", "assist"),
    }
    assert e.details["lead"] == "zjj" and e.details["assists"] == ["cgj"]


def test_supervise_carries_the_record_so_no_observer_queries_for_it(orders, seen, app):
    o = orders.create()
    seen.clear()
    statements: list[str] = []

    def log(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", log)
    try:
        orders.ok(o["id"], "supervise", "city_supervisor", {"note": "请加快办理"})
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", log)
    (e,) = seen
    (record,) = e.added_of(Supervision)
    assert record.note == "请加快办理" and record.level == "city" and record.id is not None
    assert e.before_status == e.after_status == "received" and e.changes["version"][1] == o["version"] + 1
    assert not [s for s in statements if s.lstrip().upper().startswith("SELECT") and "supervisions" in s]


def test_the_sweep_tells_which_deadline_mark_it_set(app, two_tenants, seen):
    from app.orders.models import Order
    from app.orders.service import now
    from app.orders.sweep import sweep
    from tenants import tenant_context

    with tenant_context(SJZ):
        at = now()
        order = Order(
            number=f"EVT-{at.timestamp()}",
            status="in_progress",
            channel="phone",
            appeal_type="complaint",
            category_code="0105",
            urgency="normal",
            title="t",
            content="c",
            created_by="test",
            created_at=at - timedelta(days=3),
            updated_at=at - timedelta(days=3),
            due_at=at - timedelta(minutes=1),
            warn_at=at + timedelta(days=1),
        )
        db.session.add(order)
        db.session.commit()
        oid = order.id
        sweep()
    (e,) = [e for e in seen if e.order.id == oid]
    assert e.action == "overdue" and e.before_status == e.after_status == "in_progress"
    assert set(e.changes) == {"overdue_at"} and e.changes["overdue_at"][0] is None
