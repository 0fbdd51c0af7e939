"""The province dashboard vs the KPI API call it stands beside, with 11 x 100,000 orders, in one run.

- seeds the 11 demo cities with the generator and COPY (``bench.province``: orders, facts and
  rollups, then VACUUM ANALYZE), as the province bench does;
- signs the province supervisor in through the real web sign-in (authorization code + PKCE
  against the dev IdP, in-process) and mints a bearer token for the same user;
- times, interleaved, the server side of each request through the WSGI stack for one month:
  the dashboard page ``/province/`` (tiles and the city table), its chart data
  ``/province/dashboard.json`` (map values and the daily trend), and
  ``GET /api/v1/province/kpis?group_by=tenant``, and checks that the page shows the API's figures.

Targets: the page's and the chart data's p95 under 150 ms, and each at most 1.5x the API call
(medians). ``python -m bench province_web [--orders N] [--requests N]``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time

from .common import scratch_database, server_urls, table
from .province import CITIES, MONTH, load_cities, settle, supervisor_token
from .web import sign_in

P95_TARGET = 0.150
RATIO_TARGET = 1.5


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench province_web")
    parser.add_argument("--orders", type=int, default=100_000, help="orders per city")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per URL")
    args = parser.parse_args(argv)

    from app import create_app
    from app.demo.province import cities, ensure_demo_province
    from tenants.context import lookup

    logging.getLogger("hotline.request").setLevel(logging.WARNING)  # one line per request otherwise
    _, redis = server_urls()
    with scratch_database("bench_pweb") as url:
        app = create_app(database_url=url, redis_url=redis, app_env="test", instance_path=tempfile.mkdtemp())
        with app.app_context():
            demo = cities()[:CITIES]
            ensure_demo_province([c["slug"] for c in demo], progress=lambda _m: None)
            refs = [lookup(c["slug"], fresh=True) for c in demo]
            t0 = time.perf_counter()
            loads = load_cities(url, demo, refs, args.orders)
            settle(refs)
            seeded = time.perf_counter() - t0
            headers = {"Authorization": f"Bearer {supervisor_token(app)}"}
        web, api = app.test_client(), app.test_client()
        sign_in(web, "province.supervisor")
        period = f"from={MONTH[0]}&to={MONTH[1]}"
        api_url = f"/api/v1/province/kpis?{period}&group_by=tenant"
        urls = {
            "dashboard page /province/": f"/province/?{period}",
            "chart data /province/dashboard.json": f"/province/dashboard.json?{period}&by=day",
        }
        body = api.get(api_url, headers=headers).get_json()
        received = body["total"]["received"]
        page = web.get(urls["dashboard page /province/"]).get_data(as_text=True)
        shows_api = f"{received:,}" in page or str(received) in page
        for _ in range(10):  # warm up (memos, prepared statements, templates)
            for u in urls.values():
                assert web.get(u).status_code == 200
            assert api.get(api_url, headers=headers).status_code == 200
        timings: dict[str, list[float]] = {name: [] for name in [*urls, "api"]}
        for _ in range(args.requests):  # interleaved: all three see the same machine
            for name, u in urls.items():
                started = time.perf_counter()
                resp = web.get(u)
                timings[name].append(time.perf_counter() - started)
                assert resp.status_code == 200, resp.status_code
            started = time.perf_counter()
            resp = api.get(api_url, headers=headers)
            timings["api"].append(time.perf_counter() - started)
            assert resp.status_code == 200, resp.get_json()

    api_t = timings["api"]
    rows = [
        ("cities x orders (generator -> COPY) / seeding", f"{len(loads)} x {args.orders:,} / {seeded:.0f} s"),
        ("orders received in the month timed (2026-10)", f"{received:,}"),
        ("GET /api/v1/province/kpis: median / p95", f"{_ms(statistics.median(api_t))} / {_ms(_p95(api_t))}"),
        ("the page shows the API's total received", "yes" if shows_api else "NO"),
    ]
    ok = shows_api
    for name in urls:
        t = timings[name]
        ratio = statistics.median(t) / statistics.median(api_t)
        passed = _p95(t) < P95_TARGET and ratio <= RATIO_TARGET
        ok &= passed
        rows += [
            (f"{name}: median / p95", f"{_ms(statistics.median(t))} / {_ms(_p95(t))}"),
            (
                f"  : API (target <= {RATIO_TARGET}x, p95 < {P95_TARGET * 1000:.0f} ms)",
                f"{ratio:.2f}x {'ok' if passed else 'MISSED'}",
            ),
        ]
    print(table(rows, ("measure", "value")))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
