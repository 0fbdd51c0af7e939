"""Provisioning and migrate-all, side by side in one run.

- provisioning time per tenant (schema + migrations + reference data + IdP group)
- a full ``migrate --all`` over 200 fresh schemas (bounded parallel processes)
- a no-op ``migrate --all`` over 200 schemas vs over 1 schema (target: at most 3x)
"""

from __future__ import annotations

import sys

from sqlalchemy import text

from .common import median, scratch_database, server_urls, table, timed

SCHEMAS = 200
PROVISIONED = 10


def _app(url: str, redis: str):
    import tempfile

    from app import create_app

    return create_app(database_url=url, redis_url=redis, app_env="test", instance_path=tempfile.mkdtemp())


def _bare_tenants(n: int, start: int = 0) -> None:
    """Registry rows and empty schemas: what migrate-all sees for never-migrated tenants."""
    from tenants.db import db

    with db.engine.begin() as conn:
        for i in range(start, start + n):
            slug = f"bench_{i:04d}"
            conn.execute(
                text(
                    "INSERT INTO province.tenants (slug, name, region_code, schema_name, order_prefix, status) "
                    "VALUES (:s, :n, :r, :schema, 'B', 'active')"
                ),
                {"s": slug, "n": f"bench {i}", "r": f"{900000 + i}", "schema": f"t_{slug}"},
            )


def main(argv: list[str]) -> int:
    from tenants.db import db
    from tenants.migrate import ensure_province, migrate_all
    from tenants.provision import create_tenant

    _, redis = server_urls()
    rows = []
    with scratch_database("bench_mig") as url:
        app = _app(url, redis)
        with app.app_context():
            ensure_province(db.engine)
            per_tenant: list[float] = []
            for i in range(PROVISIONED):
                per_tenant += timed(
                    lambda i=i: create_tenant(f"prov_{i:02d}", name=f"市{i}", region_code=f"98{i:04d}")
                )
            rows.append(
                (f"provision one tenant (median of {PROVISIONED})", f"{median(per_tenant) * 1000:.0f} ms")
            )
        db.dispose()

    with scratch_database("bench_mig1") as one_url, scratch_database("bench_mig200") as many_url:
        app_one = _app(one_url, redis)
        with app_one.app_context():
            ensure_province(db.engine)
            _bare_tenants(1)
            migrate_all(db.engine)
            noop_one = timed(lambda: migrate_all(db.engine, jobs=4), 15)
        db.dispose()
        app_many = _app(many_url, redis)
        with app_many.app_context():
            ensure_province(db.engine)
            _bare_tenants(SCHEMAS)
            full = timed(lambda: migrate_all(db.engine, jobs=4))
            report = migrate_all(db.engine, jobs=4)
            assert report.at_head == SCHEMAS and not report.results
            noop_many = timed(lambda: migrate_all(db.engine, jobs=4), 15)
        db.dispose()
    ratio = median(noop_many) / median(noop_one)
    rows += [
        (
            f"full migrate --all, {SCHEMAS} fresh schemas, --jobs 4",
            f"{full[0]:.1f} s ({full[0] / SCHEMAS * 1000:.0f} ms/schema)",
        ),
        (f"no-op migrate --all, {SCHEMAS} schemas (median of 15)", f"{median(noop_many) * 1000:.1f} ms"),
        ("no-op migrate --all, 1 schema (median of 15)", f"{median(noop_one) * 1000:.1f} ms"),
        ("no-op ratio 200 : 1 (target <= 3x)", f"{ratio:.2f}x"),
    ]
    print(table(rows, ("measure", "value")))
    return 0 if ratio <= 3 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
