"""Order facts: one statement per change, equal to the tenant order after every action, repairable."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import event, select, text

from tests.orders.conftest import OrdersApi

SJZ, TS = "shijiazhuang", "tangshan"


def test_the_observer_adds_one_statement_per_change(orders: OrdersApi, app):
    from tenants import db

    seen: list[str] = []

    def log(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    mine = (
        "province.order_facts",
        "province.kpi_delta",
        "province.kpi_daily",
        "province.supervision_facts",
        "province.transfers",
    )
    event.listen(db.engine, "before_cursor_execute", log)
    try:
        o = orders.create()
        intake_province = [s for s in seen if any(t in s for t in mine)]
        seen.clear()
        orders.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
        dispatch_province = [s for s in seen if any(t in s for t in mine)]
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    assert len(intake_province) == 1 and "INSERT INTO province.order_facts" in intake_province[0]
    assert len(dispatch_province) == 1 and "INSERT INTO province.kpi_delta" in dispatch_province[0]
    assert not any(s.lstrip().upper().startswith("SELECT") and "order_facts" in s for s in seen)


# -- randomized: any sequence of actions keeps facts equal to the tenant orders ---------------------------
def _moves(state: str, o: dict) -> list[tuple[str, str, dict]]:
    """(action, role, body) the API allows from ``state`` (happy paths only)."""
    reason = {"reason": "随机测试"}
    table = {
        "received": [
            ("dispatch", "dispatcher", {"lead_department": "zjj", "assist_departments": ["cgj"]}),
            ("close", "agent", {"resolution": "当场解答"}),
            ("supervise", "city_supervisor", {"note": "督办"}),
        ],
        "dispatched": [
            ("accept", "handler.zjj", {}),
            ("return", "handler.zjj", reason),
            ("accept", "handler.cgj", {}),
        ],
        "returned": [
            ("dispatch", "dispatcher", {"lead_department": "cgj"}),
            ("reject-return", "dispatcher", reason),
        ],
        "in_progress": [
            ("reply", "handler.{lead}", {"content": "已处理", "outcome": "resolved"}),
            ("request-extension", "handler.{lead}", {"working_days": 2, "reason": "协调中"}),
            ("approve-extension", "dispatcher", {}),
            ("reject-extension", "dispatcher", {}),
            ("supervise", "province.supervisor", {"note": "省级督办"}),
        ],
        "replied": [("close", "dispatcher", {"resolution": "办结"}), ("reject-reply", "dispatcher", reason)],
        "closed": [
            ("callback", "agent", {"satisfaction": "dissatisfied", "resolved": False}),
            ("callback", "agent", {"satisfaction": "satisfied", "resolved": True}),
            ("reopen", "dispatcher", reason),
        ],
        "reopened": [("dispatch", "dispatcher", {"lead_department": "zjj"})],
    }
    out = []
    for action, role, body in table.get(state, []):
        out.append((action, role.format(lead=o.get("lead_department") or "zjj"), body))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_facts_equal_tenant_rows_after_every_action(seed, orders: OrdersApi, relay, assert_facts_consistent):
    rng = random.Random(seed)
    live = [
        orders.create(
            tenant=rng.choice([SJZ, TS]),
            appeal_type=rng.choice(["complaint", "consultation"]),
            channel=rng.choice(["phone", "wechat", "web"]),
        )
        for _ in range(4)
    ]
    states = {o["number"]: o for o in live}
    assert_facts_consistent()
    done = 0
    for _ in range(14):
        o = rng.choice(list(states.values()))
        tenant = SJZ if o["number"].startswith("SJZ") else TS
        moves = _moves(o["status"], o)
        if not moves:
            continue
        action, role, body = rng.choice(moves)
        resp = orders.act(o["id"], action, role, body, tenant=tenant)
        if resp.status_code == 200:
            states[o["number"]] = resp.get_json()
            done += 1
        else:
            assert resp.status_code in (403, 409), (
                action,
                resp.get_json(),
            )  # a rule said no (e.g. not assigned)
        assert_facts_consistent()
    assert done >= 6  # the walk really moved orders
    # and across cities: a merge and a transfer with its delivery
    a, b = orders.create(), orders.create()
    orders.ok(a["id"], "merge", "dispatcher", {"into": b["id"]})
    orders.ok(b["id"], "transfer", "dispatcher", {"to_tenant": TS, "reason": "属唐山"})
    relay()
    assert_facts_consistent()


def test_rebuild_reports_and_repairs(orders: OrdersApi, app, cli):
    from app.province.models import KpiDaily, OrderFact
    from tenants import db, tenant_context

    kept, lost, changed = (
        orders.to_state("in_progress"),
        orders.to_state("closed"),
        orders.to_state("replied"),
    )
    with app.app_context(), tenant_context(SJZ) as ref:
        db.session.execute(
            OrderFact.__table__.delete().where(
                OrderFact.tenant_id == ref.id, OrderFact.order_id == lost["id"]
            )
        )
        fact = db.session.get(OrderFact, (ref.id, changed["id"]))
        fact.status, fact.satisfaction = "closed", "satisfied"
        extra = {
            c.name: getattr(db.session.get(OrderFact, (ref.id, kept["id"])), c.name)
            for c in OrderFact.__table__.columns
        }
        db.session.add(OrderFact(**{**extra, "order_id": 10_000_000, "number": "SJZ-GHOST"}))
        db.session.execute(
            text("UPDATE province.kpi_daily SET received = received + 5 WHERE tenant_id = :t"), {"t": ref.id}
        )
        db.session.commit()

    dry = cli.invoke(args=["province", "rebuild-facts", "--tenant", SJZ, "--dry-run"])
    assert dry.exit_code == 1, dry.output
    assert "1 missing, 1 extra, 1 changed" in dry.output and "DIFFERS" in dry.output
    assert "satisfaction" in dry.output and "status 'closed' -> 'replied'" in dry.output
    again = cli.invoke(args=["province", "rebuild-facts", "--tenant", SJZ, "--dry-run"])
    assert again.exit_code == 1  # a dry run changes nothing

    fixed = cli.invoke(args=["province", "rebuild-facts", "--tenant", SJZ])
    assert fixed.exit_code == 0 and "fixed" in fixed.output, fixed.output
    clean = cli.invoke(args=["province", "rebuild-facts", "--dry-run"])
    assert clean.exit_code == 0 and clean.output.count("-> ok") == 2, clean.output
    with app.app_context(), tenant_context(SJZ) as ref:
        assert db.session.get(OrderFact, (ref.id, lost["id"])).status == "closed"
        total = db.session.scalar(
            select(KpiDaily.received).where(KpiDaily.tenant_id == ref.id, KpiDaily.dim == "total").limit(1)
        )
        assert total is not None
    assert cli.invoke(args=["province", "rebuild-facts", "--tenant", "nowhere"]).exit_code == 3


def test_dropping_a_city_removes_its_province_rows(app, two_tenants, auth_headers, client):
    from app.province.facts import fold
    from app.province.models import KpiDaily, KpiDelta, OrderFact
    from tenants import db, provision
    from tenants.context import UnknownTenant, lookup

    with app.app_context():
        ref = provision.create_tenant("droptown", name="测试市", region_code="139900")
    body = {"channel": "phone", "appeal_type": "consultation", "category_code": "0105", "content": "咨询"}
    from app.catalog import service as catalog
    from tenants import tenant_context

    with app.app_context(), tenant_context("droptown"):
        leaf = next(c.code for c in catalog.list_categories() if c.is_leaf and c.active)
    resp = client.post(
        "/api/v1/tenants/droptown/orders",
        json={**body, "category_code": leaf},
        headers=auth_headers("agent@droptown"),
    )
    assert resp.status_code == 201, resp.get_json()
    with app.app_context():

        def count(m) -> int:
            return db.session.scalar(select(text("count(*)")).select_from(m).where(m.tenant_id == ref.id))

        assert count(OrderFact) == 1 and count(KpiDelta) == 4  # appended, not yet folded
        db.session.rollback()
        fold()
        assert count(KpiDelta) == 0 and count(KpiDaily) == 4
        db.session.rollback()
        provision.drop_tenant("droptown", yes=True)
        assert count(OrderFact) == 0 and count(KpiDaily) == 0 and count(KpiDelta) == 0
        db.session.rollback()
        with pytest.raises(UnknownTenant):
            lookup("droptown", fresh=True)


def test_folding_deltas_keeps_kpis_exact_under_concurrent_intake(app, two_tenants, client, auth_headers):
    """Intakes append deltas while folds run: KPIs equal the facts at every step and in the end."""
    import threading

    from app.province.facts import CURRENT_ROLLUPS, EXPECTED_ROLLUPS, fold
    from app.province.measures import MEASURES
    from tenants import db
    from tenants.context import lookup
    from tests.orders.conftest import OrdersApi

    stop = threading.Event()
    errors: list[Exception] = []

    def folder():
        with app.app_context():
            while not stop.is_set():
                try:
                    fold()
                except Exception as exc:  # pragma: no cover - reported below
                    errors.append(exc)

    def writer():
        try:
            with app.test_client() as c:
                api = OrdersApi(c, auth_headers)
                for _ in range(8):
                    o = api.create()
                    api.ok(o["id"], "close", "agent", {"resolution": "已解答"})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=folder)] + [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads[1:]:
        t.join(120)
    stop.set()
    threads[0].join(30)
    assert not errors, errors
    with app.app_context():
        tenant = lookup("shijiazhuang").id

        def cells(query):
            return {
                (r.dim, r.day, r.key): tuple(r._mapping[m] for m in MEASURES)
                for r in db.session.execute(query, {"tenant_id": tenant})
                if any(r._mapping[m] for m in MEASURES)
            }

        assert cells(CURRENT_ROLLUPS) == cells(EXPECTED_ROLLUPS)
        db.session.rollback()
        fold()
        assert cells(CURRENT_ROLLUPS) == cells(EXPECTED_ROLLUPS)
