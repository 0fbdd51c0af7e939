"""Intake writes orders through the model: one INSERT built from ``Order``, hydrating a real Order
equal to the stored row, numbered by the one definition of the number format."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import event, inspect, select

from app.orders.events import ORDER_COLUMNS
from app.orders.intake import intake
from app.orders.models import Order
from app.orders.numbers import format_number, number_prefix
from tenants import db, tenant_context

from .conftest import SJZ, principal

NUMBER = re.compile(r"^SJZ-\d{8}-\d{6}$")


def _body(orders, **overrides):
    return orders.intake_body(
        location={"lat": 38.0428123456, "lng": 114.5149876543}, district_code=None, **overrides
    )


def test_the_hydrated_order_is_the_stored_row(orders, app_ctx):
    agent = principal("agent")
    with tenant_context(SJZ):
        statements: list[str] = []

        def log(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", log)
        try:
            order, created, _ = intake(agent, _body(orders))
        finally:
            event.remove(db.engine, "before_cursor_execute", log)
        db.session.commit()
        state = inspect(order)
        assert created and state.persistent and not state.modified and order in db.session
        mine = {c: getattr(order, c) for c in ORDER_COLUMNS}
        db.session.expunge_all()
        stored = db.session.scalars(select(Order).where(Order.id == order.id)).one()
        assert mine == {c: getattr(stored, c) for c in ORDER_COLUMNS}
        assert mine["lat"] == stored.lat == 38.042812  # numeric(9,6): the stored value, not the sent one
    inserts = [s for s in statements if "INSERT INTO t_shijiazhuang.orders" in s]
    assert len(inserts) == 1 and "repeats" in inserts[0]  # the repeat search is folded into the INSERT
    assert not [s for s in statements if s.lstrip().upper().startswith("SELECT") and ".orders" in s]


def test_the_number_format_has_one_definition(orders, app_ctx):
    o = orders.create()
    received = datetime.fromisoformat(o["created_at"])
    assert NUMBER.match(o["number"]) and o["number"].startswith(number_prefix("SJZ", received))
    serial = int(o["number"].rsplit("-", 1)[1])
    assert format_number("SJZ", received, serial) == o["number"]
    # the receipt date is Asia/Shanghai's: 16:30 UTC is already the next day there
    assert number_prefix("SJZ", datetime(2026, 11, 27, 16, 30, tzinfo=UTC)) == "SJZ-20261128-"


def test_a_replay_returns_the_first_order_with_no_repeats(orders, app_ctx):
    agent = principal("agent")
    body = _body(orders)
    with tenant_context(SJZ):
        first = intake(agent, body, "seams-replay-1")
        db.session.commit()
        again = intake(agent, body, "seams-replay-1")
        assert (again.order.id, again.created, again.repeat_candidates) == (first.order.id, False, [])


def test_the_per_schema_table_is_made_once_even_by_concurrent_first_intakes():
    """Sixteen threads asking for a new city's table at once all get the same, complete copy."""
    from concurrent.futures import ThreadPoolExecutor

    from app.orders.intake_insert import orders_in

    names = [c.name for c in Order.__table__.columns]
    with ThreadPoolExecutor(16) as pool:
        for k in range(30):
            schema = f"t_seams_concurrent_{k}"
            tables = list(
                pool.map(lambda _i, s=schema: (orders_in(s), orders_in(s).c.repeat_of_id), range(32))
            )
            assert all(t is tables[0][0] for t, _ in tables) and tables[0][0].schema == schema
            assert [c.name for c in tables[0][0].columns] == names
