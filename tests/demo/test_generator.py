"""The synthetic data looks like a real city hotline's, and seeding goes through the domain rules."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.demo.generator import generate, taxonomy
from app.demo.province import city

LOCAL = ZoneInfo("Asia/Shanghai")


def _run(n=3000, now=datetime(2026, 1, 20, 4, tzinfo=UTC), slug="baoding"):
    def deadline(at, t, u):
        return at + timedelta(days=5), at + timedelta(days=4)

    return list(generate(city(slug), n, now=now, deadline=deadline, route=lambda c, d: ("zjj", []), days=120))


def test_texts_districts_and_callers_are_realistic():
    orders = _run()
    c = city("baoding")
    assert {o.address[: len(d)] for o in orders for d in c["districts"] if o.address.startswith(d)} <= set(
        c["districts"]
    )
    assert len({o.content for o in orders}) > 0.6 * len(orders)  # varied wording, not one template
    assert all("{" not in o.content and "{" not in o.title for o in orders)
    phones = Counter(o.caller_phone for o in orders)
    assert any(count > 1 for count in phones.values())  # repeat callers
    assert all(len(p) == 11 and p.startswith("1") for p in phones)
    assert any(o.merge_into is not None for o in orders)  # duplicates merged
    assert Counter(o.channel for o in orders).most_common(1)[0][0] == "phone"


def test_rhythms_daily_weekly_and_seasonal():
    winter = _run(now=datetime(2026, 1, 20, 4, tzinfo=UTC))
    summer = _run(now=datetime(2026, 8, 20, 4, tzinfo=UTC))
    hours = Counter(o.created_at.astimezone(LOCAL).hour for o in winter)
    assert hours[10] > 4 * hours[3]  # morning peak vs the small hours
    weekdays = Counter(o.created_at.astimezone(LOCAL).weekday() for o in winter)
    assert weekdays[0] > weekdays[6]
    seasonal = {m["code"]: m.get("season") for m in taxonomy()}

    def share(orders, season):
        return sum(1 for o in orders if seasonal[o.category_code] == season) / len(orders)

    assert share(winter, "winter") > 2 * share(summer, "winter")  # heating wave in winter
    assert share(summer, "summer") > 2 * share(winter, "summer")  # flooding wave in summer


def test_every_state_and_plausible_timestamps():
    now = datetime(2026, 11, 28, 4, tzinfo=UTC)
    orders = _run(4000, now=now)
    states = Counter(o.status for o in orders)
    assert set(states) >= {
        "received",
        "dispatched",
        "in_progress",
        "replied",
        "closed",
        "returned",
        "reopened",
        "merged",
        "transferred",
    }, states
    for o in orders:
        times = [o.created_at] + [s.at for s in o.steps]
        assert times == sorted(times) and times[-1] < now
        if o.status == "closed":
            assert o.closed_at and o.closed_at >= o.created_at


def test_seed_command_writes_through_the_domain(app_ctx, cli, two_tenants):
    from app.orders.models import Order
    from tenants import db, tenant_context

    result = cli.invoke(args=["demo", "seed", "--orders", "120", "--tenants", "tangshan", "--seed", "7"])
    assert result.exit_code == 0, result.output
    with tenant_context("tangshan"):
        count = db.session.scalar(
            select(func.count()).select_from(Order).where(Order.created_by == "agent@tangshan")
        )
        from app.audit.service import seal, verify

        seal()
        assert verify().intact
    assert count >= 120
    bad = cli.invoke(args=["demo", "seed", "--orders", "5", "--tenants", "atlantis"])
    assert bad.exit_code != 0 and "atlantis" in bad.output
