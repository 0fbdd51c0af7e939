"""HTTP intake under gunicorn vs two floors of the same stack, in one run; and the sweep at scale.

1. our intake: POST /api/v1/tenants/shijiazhuang/orders (auth, validation, deadlines, repeats, audit chain, facts)
2. a minimal Flask endpoint under the same gunicorn settings doing one raw INSERT of the same row (psycopg)
3. raw single-row INSERT transactions through psycopg at the same concurrency
Target: (1) >= 40% of (2), p99 of (1) under 50 ms.

4. the deadline sweep with 1,000,000 open orders vs 10,000 (the same 1,000 due); target under 2x.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import psycopg

from .common import ROOT, scratch_database, server_urls, table
from .intake_rows import INSERT_SQL, body, row_params

CLIENTS = 16
PROCESSES = 4
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
GUNICORN = ["--workers", "3", "--worker-class", "gthread", "--threads", "6", "--backlog", "512"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _client_proc(port, path, headers, seconds, threads, out):
    lat: list[float] = []
    count = [0]
    errors = [0]
    stop = time.perf_counter() + seconds

    def run(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = k * 10_000_000 + os.getpid() % 1000 * 10_000
        while time.perf_counter() < stop:
            i += 1
            payload = json.dumps(body(i), ensure_ascii=False).encode()
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, payload, {**headers, "Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 201
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            lat.append(time.perf_counter() - t0)
            if ok:
                count[0] += 1
            else:
                errors[0] += 1

    ts = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.put((count[0], errors[0], lat))


def _load(port: int, path: str, headers: dict, seconds: float = SECONDS) -> dict:
    out: mp.Queue = mp.Queue()
    procs = [
        mp.Process(target=_client_proc, args=(port, path, headers, seconds, CLIENTS // PROCESSES, out))
        for _ in range(PROCESSES)
    ]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    lat = sorted(x for r in results for x in r[2])
    ok = sum(r[0] for r in results)
    return _stats(ok, sum(r[1] for r in results), lat, min(elapsed, seconds + 1))


def _stats(ok: int, errors: int, lat: list[float], seconds: float) -> dict:
    lat = sorted(lat)
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")  # noqa: E731
    return {"rate": ok / seconds, "errors": errors, "p50": pct(0.50), "p99": pct(0.99), "n": ok}


def _raw_psycopg(url: str, seconds: float = SECONDS) -> dict:
    lat: list[float] = []
    counts = []
    stop = time.perf_counter() + seconds

    def run(k):
        n = 0
        with psycopg.connect(url) as conn:
            i = k
            while time.perf_counter() < stop:
                i += CLIENTS
                t0 = time.perf_counter()
                with conn.transaction():
                    conn.execute(INSERT_SQL, row_params(body(i))).fetchone()
                lat.append(time.perf_counter() - t0)
                n += 1
        counts.append(n)

    ts = [threading.Thread(target=run, args=(k,)) for k in range(CLIENTS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return _stats(sum(counts), 0, lat, seconds)


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited early")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _gunicorn(target: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            target,
            "--bind",
            f"127.0.0.1:{port}",
            *GUNICORN,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    _wait_port(port, proc)
    return proc, port


def intake_bench(url: str, redis: str, instance: str) -> list[tuple]:
    from app import create_app
    from app.demo.province import ensure_demo_province
    from tests.support.identity import mint

    app = create_app(database_url=url, redis_url=redis, app_env="test", instance_path=instance)
    with app.app_context():
        ensure_demo_province(["shijiazhuang"], progress=lambda _m: None)
        token = mint(app, "agent@shijiazhuang", lifetime=3600)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis,
        "INSTANCE_PATH": instance,
        "APP_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_SIZE": "8",
    }
    rows = []
    ours_proc, ours_port = _gunicorn("wsgi:app", env)
    floor_proc, floor_port = _gunicorn("bench.minimal_app:app", env)
    try:
        auth = {"Authorization": f"Bearer {token}"}
        _load(ours_port, "/api/v1/tenants/shijiazhuang/orders", auth, 2)  # warm-up
        _load(floor_port, "/raw", {}, 2)
        ours = _load(ours_port, "/api/v1/tenants/shijiazhuang/orders", auth)
        floor = _load(floor_port, "/raw", {})
    finally:
        for p in (ours_proc, floor_proc):
            p.terminate()
            p.wait(20)
    raw = _raw_psycopg(url.replace("postgresql+psycopg://", "postgresql://"))
    for name, s in (
        ("our HTTP intake", ours),
        ("minimal Flask endpoint, one raw INSERT", floor),
        ("raw psycopg INSERT transactions", raw),
    ):
        rows.append((name, f"{s['rate']:.0f}/s", f"{s['p50']:.1f} ms", f"{s['p99']:.1f} ms", s["errors"]))
    ratio = ours["rate"] / floor["rate"]
    rows.append(("intake / minimal endpoint (target >= 40%)", f"{ratio:.0%}", "", "", ""))
    return rows, ratio >= 0.40 and ours["p99"] < 50 and ours["errors"] == 0


def sweep_bench(url: str, redis: str, instance: str) -> tuple[list[tuple], bool]:
    """Same 1,000 orders due; 10,000 vs 1,000,000 open orders in the table."""
    from app import create_app
    from app.orders.sweep import sweep
    from tenants import tenant_context
    from tenants.db import db

    app = create_app(database_url=url, redis_url=redis, app_env="test", instance_path=instance)
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    results = {}
    with app.app_context():
        for total in (10_000, 1_000_000):
            with psycopg.connect(plain, autocommit=True) as conn:
                conn.execute("TRUNCATE t_shijiazhuang.orders CASCADE")
                conn.execute(
                    """INSERT INTO t_shijiazhuang.orders (number, status, channel, appeal_type, category_code,
                         urgency, title, content, created_by, due_at, warn_at, created_at)
                       SELECT 'S-' || g, 'in_progress', 'phone', 'complaint', '0105', 'normal', 't', 'c', 'bench',
                         CASE WHEN g <= 1000 THEN now() - interval '1 hour' ELSE now() + interval '5 days' END,
                         CASE WHEN g <= 1000 THEN now() - interval '2 hour' ELSE now() + interval '4 days' END,
                         now() - interval '1 day'
                       FROM generate_series(1, %s) g""",
                    (total,),
                )
                conn.execute("VACUUM ANALYZE t_shijiazhuang.orders")
            with tenant_context("shijiazhuang"):
                started = time.perf_counter()
                result = sweep(batch=500)
                results[total] = time.perf_counter() - started
                assert result.overdue == 1000, result
        db.dispose()
    ratio = results[1_000_000] / results[10_000]
    rows = [
        ("sweep, 10,000 open / 1,000 due", f"{results[10_000] * 1000:.0f} ms", "", "", ""),
        ("sweep, 1,000,000 open / 1,000 due", f"{results[1_000_000] * 1000:.0f} ms", "", "", ""),
        ("sweep ratio 1M : 10k (target < 2x)", f"{ratio:.2f}x", "", "", ""),
    ]
    return rows, ratio < 2


def main(argv: list[str]) -> int:
    from .intake_failover import failover_rows

    _, redis = server_urls()
    instance = tempfile.mkdtemp(prefix="bench-intake-")
    with scratch_database("bench_intake") as url:
        rows, ok_intake = intake_bench(url, redis, instance)
        rows += failover_rows(url, redis, instance)  # bench/intake_failover.py: cost of surviving a failover
        sweep_rows, ok_sweep = sweep_bench(url, redis, instance)
    print(table(rows + sweep_rows, ("measure", "rate / time", "p50", "p99", "errors")))
    print(
        f"settings: {CLIENTS} concurrent clients, {SECONDS:.0f}s each, gunicorn {' '.join(GUNICORN)}, "
        f"{os.cpu_count()} cores"
    )
    return 0 if ok_intake and ok_sweep else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
