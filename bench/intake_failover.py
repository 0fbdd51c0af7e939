"""What surviving a database failover costs intake, side by side in the same run as bench.intake.

The same HTTP intake under the same gunicorn and clients with ``DB_POOL_CHECK`` = ``off`` (no
check of pooled connections), ``poll`` (the default: one poll() of the idle socket per checkout)
and ``ping`` (SQLAlchemy's pool_pre_ping: a round trip per checkout), alternated twice so drift
hits all three alike; then ``poll`` again while every backend of the database is terminated
once a second (errors there are answers other than 201: the 503s of requests whose COMMIT was
under way, which carry no Idempotency-Key in this load). Last, one pooled checkout plus
``SELECT 1`` in a loop per variant: the per-checkout price without HTTP around it.
"""

from __future__ import annotations

import os
import threading
import time

import psycopg

from .intake import SECONDS, _gunicorn, _load

VARIANTS = ("off", "poll", "ping")


def _terminator(url: str, database: str, stop: threading.Event) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        while not stop.wait(1.0):
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                (database,),
            )


def checkout_rows(url: str, n: int = 5000) -> list[tuple]:
    """One pooled checkout + a trivial statement, n times per variant, interleaved three times.

    Wall time and this process's CPU time per checkout (CPU is the steadier figure on a busy machine).
    """
    from sqlalchemy import text

    from tenants.db import Database

    took: dict[str, list[tuple[float, float]]] = {v: [] for v in VARIANTS}
    for _ in range(3):
        for variant in VARIANTS:
            database = Database()
            database.configure(url, pool_size=1, max_overflow=0, pool_check=variant)
            try:
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(n):
                    with database.engine.connect() as conn:
                        conn.execute(text("SELECT 1"))
                took[variant].append(
                    ((time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6)
                )
            finally:
                database.dispose()
    wall = {v: min(t[0] for t in runs) for v, runs in took.items()}
    cpu = {v: min(t[1] for t in runs) for v, runs in took.items()}
    return [
        (
            f"checkout + SELECT 1, DB_POOL_CHECK={v}",
            f"{wall[v]:.0f} µs wall",
            f"{wall[v] / wall['off']:.2f}x",
            f"{cpu[v]:.0f} µs CPU",
            f"{cpu[v] / cpu['off']:.2f}x",
        )
        for v in VARIANTS
    ]


def failover_rows(url: str, redis: str, instance: str) -> list[tuple]:
    from app import create_app
    from tests.support.identity import mint

    app = create_app(database_url=url, redis_url=redis, app_env="test", instance_path=instance)
    with app.app_context():
        token = mint(app, "agent@shijiazhuang", lifetime=3600)
    path, auth = "/api/v1/tenants/shijiazhuang/orders", {"Authorization": f"Bearer {token}"}
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis,
        "INSTANCE_PATH": instance,
        "APP_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_SIZE": "8",
    }
    results: dict[str, list[dict]] = {v: [] for v in VARIANTS}
    for _ in range(2):
        for variant in VARIANTS:
            proc, port = _gunicorn("wsgi:app", {**env, "DB_POOL_CHECK": variant})
            try:
                _load(port, path, auth, 1)  # warm-up
                results[variant].append(_load(port, path, auth, SECONDS / 2))
            finally:
                proc.terminate()
                proc.wait(20)
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    proc, port = _gunicorn("wsgi:app", {**env, "DB_POOL_CHECK": "poll", "LOG_LEVEL": "ERROR"})  # no 503 lines
    stop = threading.Event()
    killer = threading.Thread(target=_terminator, args=(plain, plain.rsplit("/", 1)[1].split("?")[0], stop))
    try:
        _load(port, path, auth, 1)
        killer.start()
        under_fire = _load(port, path, auth, SECONDS)
    finally:
        stop.set()
        killer.join(10)
        proc.terminate()
        proc.wait(20)

    def merged(runs: list[dict]) -> dict:  # mean rate and p50 of the runs, worst p99
        return {
            "rate": sum(r["rate"] for r in runs) / len(runs),
            "p50": sum(r["p50"] for r in runs) / len(runs),
            "p99": max(r["p99"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
        }

    m = {v: merged(results[v]) for v in VARIANTS}

    def row(name: str, s: dict) -> tuple:
        return (name, f"{s['rate']:.0f}/s", f"{s['p50']:.1f} ms", f"{s['p99']:.1f} ms", s["errors"])

    rows = [row(f"intake, DB_POOL_CHECK={v}", m[v]) for v in VARIANTS]
    for v, what in (("poll", "the idle-socket check"), ("ping", "pool_pre_ping")):
        rows.append((f"{v} / off (cost of {what})", f"{m[v]['rate'] / m['off']['rate']:.1%}", "", "", ""))
    rows.append(row("intake, poll, all backends terminated every 1 s", under_fire))
    return rows + checkout_rows(url)
