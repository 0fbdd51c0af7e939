"""Web pages vs the API list they stand beside, with 100,000 orders in one city, in one run.

- seeds one demo city with the generator and COPY (``bench.province.load_city``: orders and
  facts), plus one lead assignment per dispatched order, then VACUUM ANALYZE;
- signs a dispatcher and a handler in through the real web sign-in (authorization code +
  PKCE against the dev IdP, in-process) and mints bearer tokens for the same users;
- times, interleaved, the server side of each request through the WSGI stack (Flask's test
  client: routing, session, tokens, permission, tenant binding, query, rendering):
  the desk's order list (page of 50) vs ``GET /api/v1/tenants/{t}/orders?page_size=50`` as the
  dispatcher, and the department inbox (page of 50) vs the same API call as the handler.

Targets: each page's p95 under 100 ms, and at most 1.5x its API call (medians). The CPU time
of this process per request is printed too: on a busy machine it moves less than wall time.
``python -m bench web`` (defaults), or ``python -m bench.web --orders N --requests N``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from urllib.parse import parse_qsl, urlsplit

from .common import scratch_database, server_urls, table
from .province import load_city

CITY = "shijiazhuang"
P95_TARGET = 0.100
RATIO_TARGET = 1.5

ASSIGN_LEADS = """
INSERT INTO {schema}.assignments
    (order_id, department_code, role, status, active, dispatched_at, accept_due_at, accepted_at, replied_at)
SELECT id, lead_department, 'lead',
       CASE WHEN status = 'dispatched' THEN 'pending'
            WHEN status IN ('replied', 'closed') THEN 'replied'
            WHEN status = 'returned' THEN 'returned' ELSE 'accepted' END,
       status NOT IN ('merged', 'transferred'),
       coalesce(dispatched_at, created_at), accept_due_at, accepted_at, replied_at
FROM {schema}.orders WHERE lead_department IS NOT NULL
"""


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def sign_in(client, username: str) -> None:
    """The browser's path: /auth/login -> the IdP's form -> /auth/callback (session cookie)."""
    authorize = urlsplit(client.get("/auth/login").headers["Location"])
    params = dict(parse_qsl(authorize.query))
    resp = client.post(authorize.path, data={**params, "username": username, "password": "demo"})
    resp = client.get(_local(resp.headers["Location"]))
    assert resp.status_code == 302, resp.get_data(as_text=True)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench web")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per URL")
    args = parser.parse_args(argv)

    from sqlalchemy import text

    from app import create_app
    from app.demo.province import city, ensure_demo_province
    from tenants.context import lookup
    from tenants.db import db

    _, redis = server_urls()
    with scratch_database("bench_web") as url:
        app = create_app(database_url=url, redis_url=redis, app_env="test", instance_path=tempfile.mkdtemp())
        with app.app_context():
            ensure_demo_province([CITY], progress=lambda _m: None)
            ref = lookup(CITY, fresh=True)
            t0 = time.perf_counter()
            load_city((url, city(CITY), ref.id, args.orders))
            with db.engine.begin() as conn:
                conn.execute(text(ASSIGN_LEADS.format(schema=f'"{ref.schema}"')))
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            seeded = time.perf_counter() - t0
            counts = dict(
                db.session.execute(
                    text(
                        f'SELECT department_code, count(*) FROM "{ref.schema}".assignments '
                        "GROUP BY department_code ORDER BY 2 DESC"
                    )
                ).all()
            )
            db.remove()
        department = next(iter(counts))  # the busiest department: the heaviest inbox
        handler = f"handler.{department}@{CITY}"
        desk, dept, api = app.test_client(), app.test_client(), app.test_client()
        sign_in(desk, f"dispatcher@{CITY}")
        sign_in(dept, handler)
        pairs = [
            (
                "desk order list",
                desk,
                f"/desk/{CITY}/orders?list=all&page_size=50",
                _bearer(app, f"dispatcher@{CITY}", roles=["dispatcher"]),
            ),
            (
                "department inbox",
                dept,
                f"/dept/{CITY}/inbox?list=all&page_size=50",
                _bearer(app, handler, roles=["handler"], department=department),
            ),
        ]
        api_url = f"/api/v1/tenants/{CITY}/orders?page_size=50"
        results, ok = [], True
        for name, web, page_url, headers in pairs:
            for _ in range(10):  # warm up both (memos, prepared statements, templates)
                _check_page(web.get(page_url))
                _check_api(api.get(api_url, headers=headers))
            page_t, api_t, page_cpu, api_cpu = [], [], [], []
            for _ in range(args.requests):  # interleaved: both see the same machine
                started, cpu = time.perf_counter(), time.process_time()
                resp = web.get(page_url)
                page_t.append(time.perf_counter() - started)
                page_cpu.append(time.process_time() - cpu)
                _check_page(resp)
                started, cpu = time.perf_counter(), time.process_time()
                resp = api.get(api_url, headers=headers)
                api_t.append(time.perf_counter() - started)
                api_cpu.append(time.process_time() - cpu)
                _check_api(resp)
            ratio = statistics.median(page_t) / statistics.median(api_t)
            passed = _p95(page_t) < P95_TARGET and ratio <= RATIO_TARGET
            ok &= passed
            cpu = (statistics.median(page_cpu), statistics.median(api_cpu))
            results.append((name, page_t, api_t, ratio, passed, cpu))

    rows = [
        ("orders in the city (generator -> COPY) / seeding time", f"{args.orders:,} / {seeded:.0f} s"),
        (f"assignments of the inbox's department ({department})", f"{counts[department]:,}"),
    ]
    for name, page_t, api_t, ratio, passed, cpu in results:
        rows += [
            (f"{name}, page of 50: median / p95", f"{_ms(statistics.median(page_t))} / {_ms(_p95(page_t))}"),
            ("  API list, same user: median / p95", f"{_ms(statistics.median(api_t))} / {_ms(_p95(api_t))}"),
            ("  Python CPU per request, page / API (median)", f"{_ms(cpu[0])} / {_ms(cpu[1])}"),
            (
                f"  page : API (target <= {RATIO_TARGET}x, p95 < {P95_TARGET * 1000:.0f} ms)",
                f"{ratio:.2f}x {'ok' if passed else 'MISSED'}",
            ),
        ]
    print(table(rows, ("measure", "value")))
    return 0 if ok else 1


def _bearer(app, username: str, *, roles: list[str], department: str | None = None) -> dict[str, str]:
    """A bearer token of the same user, signed by the dev IdP's key (as its token endpoint would)."""
    verifier = app.extensions["token_verifier"]
    claims = {
        "iss": verifier.issuer,
        "aud": verifier.audience,
        "sub": f"user:{username}",
        "typ": "Bearer",
        "azp": "hotline-web",
        "preferred_username": username,
        "realm_access": {"roles": roles},
        "tenant": CITY,
    }
    if department:
        claims["department"] = department
    return {"Authorization": f"Bearer {app.extensions['devidp_keys'].sign(claims, lifetime=3600)}"}


def _check_page(resp) -> None:
    assert resp.status_code == 200, resp.status_code
    assert resp.get_data(as_text=True).count("data-order=") == 50


def _check_api(resp) -> None:
    assert resp.status_code == 200, resp.get_json()
    assert len(resp.get_json()) == 50


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
