"""Outbox relay cost with and without a long backlog behind failing heads, side by side in one run.

Two cities relay the same 200 deliverable messages (one line, a no-op handler). The "stuck" city
also holds 50,000 pending messages in 50 lines whose heads are backing off (what deadline notices
waiting for an adapter look like). Finding the due lines is an index skip scan, so the backlog
should cost next to nothing. Target: the stuck city's relay at most 2x the clean city's.
"""

from __future__ import annotations

import sys

from sqlalchemy import text

from .common import median, scratch_database, server_urls, table, timed

DELIVERABLE = 200
STUCK_LINES, STUCK_PER_LINE = 50, 1000
TOPIC = "bench.noop"


def _fill(schema: str, stuck: bool) -> None:
    from tenants.db import db

    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {schema}.outbox"))
        if stuck:
            conn.execute(
                text(
                    f"INSERT INTO {schema}.outbox (topic, key, destination, payload, available_at, attempts) "
                    "SELECT :t, 'stuck:' || g, 'department:d' || (g % :lines), '{}', "
                    "CASE WHEN g < :lines THEN now() + interval '1 hour' ELSE now() END, "
                    "CASE WHEN g < :lines THEN 3 ELSE 0 END "
                    "FROM generate_series(0, :n - 1) g ORDER BY g"
                ),
                {"t": TOPIC, "lines": STUCK_LINES, "n": STUCK_LINES * STUCK_PER_LINE},
            )
        conn.execute(
            text(
                f"INSERT INTO {schema}.outbox (topic, key, destination, payload) "
                "SELECT :t, 'ok:' || g, 'bench:ok', '{}' FROM generate_series(1, :n) g"
            ),
            {"t": TOPIC, "n": DELIVERABLE},
        )
        conn.execute(text(f"ANALYZE {schema}.outbox"))


def _reset(schema: str) -> None:
    from tenants.db import db

    with db.engine.begin() as conn:
        conn.execute(
            text(
                f"UPDATE {schema}.outbox SET delivered_at = NULL, attempts = 0 WHERE destination = 'bench:ok'"
            )
        )


def main(argv: list[str]) -> int:
    import tempfile

    from app import create_app
    from app.outbox import registry
    from app.outbox.service import relay
    from tenants import tenant_context
    from tenants.db import db
    from tenants.migrate import ensure_province
    from tenants.provision import create_tenant

    _, redis = server_urls()
    with scratch_database("bench_outbox") as url:
        app = create_app(database_url=url, redis_url=redis, app_env="test", instance_path=tempfile.mkdtemp())
        registry.handles(TOPIC, lambda message: None)
        with app.app_context():
            ensure_province(db.engine)
            cities = {"clean": create_tenant("bench_clean", name="净市", region_code="980001")}
            cities["stuck"] = create_tenant("bench_stuck", name="堵市", region_code="980002")
            runs: dict[str, list[float]] = {}
            for name, ref in cities.items():
                _fill(ref.schema, stuck=name == "stuck")
            for _ in range(7):  # interleaved, so both see the same machine load
                for name, ref in cities.items():
                    _reset(ref.schema)
                    with tenant_context(ref.slug):
                        elapsed = timed(lambda: relay())[0]
                        runs.setdefault(name, []).append(elapsed)
            clean, stuck = median(runs["clean"]), median(runs["stuck"])
    ratio = stuck / clean
    print(
        table(
            [
                ("clean city", DELIVERABLE, 0, f"{clean * 1000:.1f} ms", f"{DELIVERABLE / clean:.0f}/s"),
                (
                    "stuck city",
                    DELIVERABLE,
                    STUCK_LINES * STUCK_PER_LINE,
                    f"{stuck * 1000:.1f} ms",
                    f"{DELIVERABLE / stuck:.0f}/s",
                ),
            ],
            ("relay of", "delivered", "pending behind failing heads", "median of 7", "messages"),
        )
    )
    print(f"stuck/clean: {ratio:.2f}x (target at most 2x)")
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
