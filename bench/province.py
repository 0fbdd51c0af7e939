"""Province KPIs from the facts layer vs a naive UNION ALL over the city schemas, in one run.

- seeds 11 demo cities x 100,000 orders with the demo generator (app/demo/generator.py), written
  with COPY into each city's ``orders`` table AND into ``province.order_facts`` (the fact rows
  come from ``app.province.facts.project``, the observer's own projection), then the rollups
  with the rebuild's own SQL; so facts and tenant rows agree, which the run checks;
- times ``GET /api/v1/province/kpis?from=&to=&group_by=tenant`` for one month (through the WSGI
  stack: token verification, schemas, the rollup query) against the naive query computing the
  same figures from the 11 ``orders`` tables (working days from a calendar relation), and
  against a lighter naive query without the working-day average;
- measures the endpoint's p95 with 1 city loaded and with 11 (target: within 2x), and checks
  the naive figures equal the endpoint's.

Targets: the endpoint >= 20x faster than the naive query; p95 flat within 2x from 1 to 11 cities.
``python -m bench province [--orders N]`` (N per city, default 100000).
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from app.pii import mask_phone

from .common import scratch_database, server_urls, table

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # fixed: the same data every run
MONTH = (date(2026, 10, 1), date(2026, 10, 31))
CITIES = 11
DEPARTMENTS = ("zjj", "cgj", "sthjj", "scjgj", "rsj")
ORDER_COLUMNS = (
    "id",
    "number",
    "status",
    "channel",
    "appeal_type",
    "category_code",
    "urgency",
    "title",
    "content",
    "caller_name",
    "caller_phone_hash",
    "caller_phone_masked",
    "confidential",
    "address",
    "district_code",
    "lead_department",
    "due_at",
    "warn_at",
    "accept_due_at",
    "overdue_at",
    "reply_content",
    "reply_outcome",
    "resolution",
    "direct_closure",
    "satisfaction",
    "resolved",
    "callback_at",
    "reopen_count",
    "return_count",
    "repeat_of_id",
    "created_by",
    "created_at",
    "updated_at",
    "dispatched_at",
    "accepted_at",
    "replied_at",
    "closed_at",
    "version",
)


# -- loading (runs in worker processes: no Flask app, a plain psycopg connection) -----------------------
def _rows(city: dict, n: int, tenant_id: int):
    """Generator output -> (order rows, fact rows), ids in receipt order, repeats and overdue marked."""
    from app.calendar.resolver import Calendar
    from app.demo.generator import generate
    from app.orders.numbers import format_number
    from app.province.facts import FACT_COLUMNS, project
    from app.sla.baseline import BASELINE

    cal = Calendar()  # the national calendar (a fresh database has no province or city entries)

    def deadline(at, appeal_type, urgency):
        limits = BASELINE[(appeal_type, urgency)]
        due = cal.add_working_days(at, int(limits.handle_limit))
        return due, cal.fraction_point(at, due, limits.warn_ratio)

    def route(category, _district):
        return DEPARTMENTS[int(category[:2]) % len(DEPARTMENTS)], []

    synthetic = sorted(
        generate(city, n, now=NOW, deadline=deadline, route=route, seed=7), key=lambda s: s.created_at
    )
    last_seen: dict[str, tuple[datetime, int]] = {}
    orders, facts = [], []
    for i, s in enumerate(synthetic, start=1):
        phone_hash = hashlib.sha256(s.caller_phone.encode()).hexdigest() if s.caller_phone else None
        prior = last_seen.get(phone_hash) if phone_hash else None
        repeat_of = prior[1] if prior and s.created_at - prior[0] <= timedelta(days=30) else None
        if phone_hash:
            last_seen[phone_hash] = (s.created_at, i)
        accept_due = cal.add_working_days(s.dispatched_at, 1) if s.dispatched_at else None
        finished = s.closed_at or NOW
        overdue_at = (
            s.due_at + timedelta(minutes=1)
            if s.due_at and finished > s.due_at + timedelta(minutes=1)
            else None
        )
        row = SimpleNamespace(
            id=i,
            number=format_number(city["prefix"], s.created_at, i),
            **s.order_fields(f"agent@{city['slug']}"),
            caller_phone_hash=phone_hash,
            caller_phone_masked=mask_phone(s.caller_phone),
            accept_due_at=accept_due,
            overdue_at=overdue_at,
            repeat_of_id=repeat_of,
            transferred_to=None,
        )
        orders.append(tuple(getattr(row, c) for c in ORDER_COLUMNS))
        fact = project(row, tenant_id, cal)
        facts.append(tuple(fact[c] for c in FACT_COLUMNS))
    return orders, facts


def load_city(job: tuple[str, dict, int, int]) -> tuple[str, int, float]:
    """COPY one city's orders and facts; returns (slug, rows, seconds)."""
    import psycopg

    from app.province.facts import FACT_COLUMNS

    url, city, tenant_id, n = job
    started = time.perf_counter()
    orders, facts = _rows(city, n, tenant_id)
    schema = f"t_{city['slug']}"
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f'COPY "{schema}".orders ({", ".join(ORDER_COLUMNS)}) FROM STDIN') as copy:
            for row in orders:
                copy.write_row(row)
        cur.execute(f"SELECT setval('\"{schema}\".orders_id_seq', %s)", (len(orders),))
        with cur.copy(f"COPY province.order_facts ({', '.join(FACT_COLUMNS)}) FROM STDIN") as copy:
            for row in facts:
                copy.write_row(row)
    return city["slug"], len(orders), time.perf_counter() - started


# -- the two ways of computing the same figures --------------------------------------------------
def supervisor_token(app) -> str:
    """A province supervisor's bearer token, signed by the dev IdP's key as its token endpoint would."""
    verifier = app.extensions["token_verifier"]
    return app.extensions["devidp_keys"].sign(
        {
            "iss": verifier.issuer,
            "aud": verifier.audience,
            "sub": "user:province.supervisor",
            "typ": "Bearer",
            "azp": "hotline-web",
            "preferred_username": "province.supervisor",
            "realm_access": {"roles": ["province_supervisor"]},
        },
        lifetime=3600,
    )


def load_cities(url: str, demo: list[dict], refs: list, orders: int) -> list[tuple[str, int, float]]:
    """COPY several cities in two processes (the machine has two cores)."""
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        return pool.map(load_city, [(url, c, r.id, orders) for c, r in zip(demo, refs, strict=True)])


def settle(loaded) -> None:
    """Roll the facts up, then VACUUM ANALYZE: the visibility map set and statistics fresh, as in a
    database that has been running, so autovacuum of the fresh rows does not run during timings."""
    from app.province.facts import ROLLUP_FROM_FACTS
    from tenants.db import db

    with db.engine.begin() as conn:
        for ref in loaded:
            conn.execute(ROLLUP_FROM_FACTS, {"tenant_id": ref.id})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def naive_sql(tenants: list[tuple[int, str]], lo: date, hi: date, *, working_days: bool = True) -> str:
    """What one would write without the facts layer: every city's orders table, UNION ALL."""
    from app.calendar.resolver import Calendar
    from app.province.measures import measure_exprs

    cal = Calendar()
    days = [lo + timedelta(days=i) for i in range((NOW.date() - lo).days + 2)]
    values = ", ".join(f"('{d.isoformat()}'::date, {str(cal.is_workday(d)).lower()})" for d in days)
    wd = (
        "(SELECT round(sum(EXTRACT(epoch FROM"
        " LEAST(o.closed_at, ((c.day + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'))"
        " - GREATEST(o.created_at, (c.day::timestamp AT TIME ZONE 'Asia/Shanghai'))) / 86400.0)::numeric, 3)"
        " FROM cal c WHERE c.workday AND c.day BETWEEN (o.created_at AT TIME ZONE 'Asia/Shanghai')::date"
        " AND (o.closed_at AT TIME ZONE 'Asia/Shanghai')::date)"
    )
    days_expr = f"CASE WHEN o.status = 'closed' THEN {wd} END" if working_days else "NULL::numeric"
    branches = " UNION ALL ".join(
        f'SELECT {tid} AS tenant_id, o.*, {days_expr} AS handling_days_calc FROM "{schema}".orders o '
        f"WHERE o.created_at >= :lo AND o.created_at < :hi"
        for tid, schema in tenants
    )
    cols = {"is_repeat": "repeat_of_id IS NOT NULL", "handling_days": "handling_days_calc"}
    sums = ", ".join(f"sum({sql}) AS {name}" for name, sql in measure_exprs("1", cols))
    return (
        f"WITH cal(day, workday) AS MATERIALIZED (VALUES {values}) "
        f"SELECT tenant_id, {sums} FROM ({branches}) u GROUP BY tenant_id"
    )


def _bounds(lo: date, hi: date) -> dict:
    start = datetime.combine(lo, datetime.min.time(), SH)
    end = datetime.combine(hi + timedelta(days=1), datetime.min.time(), SH)
    return {"lo": start, "hi": end}


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def _ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench province")
    parser.add_argument("--orders", type=int, default=100_000, help="orders per city")
    parser.add_argument("--requests", type=int, default=200, help="timed endpoint requests per point")
    args = parser.parse_args(argv)

    from sqlalchemy import text

    from app import create_app
    from app.demo.province import cities, ensure_demo_province
    from app.province.measures import KPIS
    from tenants.context import lookup
    from tenants.db import db

    _, redis = server_urls()
    with scratch_database("bench_prov") as url:
        app = create_app(database_url=url, redis_url=redis, app_env="test", instance_path=tempfile.mkdtemp())
        client = app.test_client()
        with app.app_context():
            t0 = time.perf_counter()
            demo = cities()[:CITIES]
            ensure_demo_province([c["slug"] for c in demo], progress=lambda _m: None)
            refs = [lookup(c["slug"], fresh=True) for c in demo]
            provisioned = time.perf_counter() - t0
            token = supervisor_token(app)
            headers = {"Authorization": f"Bearer {token}"}
            kpi_url = f"/api/v1/province/kpis?from={MONTH[0]}&to={MONTH[1]}&group_by=tenant"

            def endpoint(n: int) -> tuple[list[float], dict]:
                body = None
                for _ in range(3):
                    client.get(kpi_url, headers=headers)  # warm up
                timings = []
                for _ in range(n):
                    started = time.perf_counter()
                    resp = client.get(kpi_url, headers=headers)
                    timings.append(time.perf_counter() - started)
                    assert resp.status_code == 200, resp.get_json()
                    body = resp.get_json()
                return timings, body

            def naive(loaded, repeat: int, working_days: bool = True) -> tuple[list[float], dict]:
                sql = text(naive_sql([(r.id, r.schema) for r in loaded], *MONTH, working_days=working_days))
                timings, rows = [], {}
                for _ in range(repeat):
                    started = time.perf_counter()
                    with db.engine.connect() as conn:
                        rows = {r.tenant_id: r._mapping for r in conn.execute(sql, _bounds(*MONTH))}
                    timings.append(time.perf_counter() - started)
                return timings, rows

            t0 = time.perf_counter()
            first = load_city((url, demo[0], refs[0].id, args.orders))
            settle(refs[:1])
            one_api, _ = endpoint(args.requests)
            one_naive, _ = naive(refs[:1], 3)
            loads = [first, *load_cities(url, demo[1:], refs[1:], args.orders)]
            settle(refs[1:])
            seeded = time.perf_counter() - t0
            all_api, body = endpoint(args.requests)
            all_naive, naive_rows = naive(refs, 5)
            lite_naive, _ = naive(refs, 5, working_days=False)

        by_slug = {g["key"]: g for g in body["groups"]}
        mismatches = []
        for ref in refs:
            got, want = by_slug[ref.slug]["kpis"], naive_rows[ref.id]
            for k in KPIS:
                num = float(want[k.numerator] or 0)
                if abs(got[k.id]["numerator"] - num) > 0.05 or got[k.id]["denominator"] != int(
                    want[k.denominator] or 0
                ):
                    mismatches.append(f"{ref.slug} {k.id}: api {got[k.id]} naive {num}/{want[k.denominator]}")
        total = sum(n for _, n, _ in loads)
        api_med, naive_med = statistics.median(all_api), statistics.median(all_naive)
        ratio, lite_ratio = naive_med / api_med, statistics.median(lite_naive) / api_med
        flat = _p95(all_api) / _p95(one_api)
        rows = [
            (
                "cities x orders seeded (generator -> COPY, orders + facts)",
                f"{len(loads)} x {args.orders:,} = {total:,}",
            ),
            ("seeding time (2 processes) / provisioning 11 cities", f"{seeded:.0f} s / {provisioned:.0f} s"),
            ("orders in the month timed (2026-10)", f"{body['total']['received']:,}"),
            (
                "GET /province/kpis, 1 city: median / p95",
                f"{_ms(statistics.median(one_api))} / {_ms(_p95(one_api))}",
            ),
            ("GET /province/kpis, 11 cities: median / p95", f"{_ms(api_med)} / {_ms(_p95(all_api))}"),
            ("naive UNION ALL, same figures, 1 city: median", _ms(statistics.median(one_naive))),
            ("naive UNION ALL, same figures, 11 cities: median", _ms(naive_med)),
            (
                "naive UNION ALL without the working-day average, 11 cities",
                _ms(statistics.median(lite_naive)),
            ),
            ("speed-up vs naive (target >= 20x)", f"{ratio:.0f}x (vs lighter naive {lite_ratio:.0f}x)"),
            ("p95 11 cities : 1 city (target <= 2x)", f"{flat:.2f}x"),
            (
                "figures equal (API vs naive, every KPI of every city)",
                "yes" if not mismatches else f"NO ({len(mismatches)})",
            ),
        ]
        print(table(rows, ("measure", "value")))
        for m in mismatches[:10]:
            print("  mismatch:", m)
    return 0 if ratio >= 20 and flat <= 2 and not mismatches else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
