"""Migrate the province tree once and the tenant tree in every schema.

One transaction per schema, ``lock_timeout`` inside it, the registry row updated in
the same transaction, bounded parallelism across processes (alembic's ``op`` proxy
is process-global, so threads cannot run two upgrades at once), and a one-query
fast path that skips schemas already at head.
"""

from __future__ import annotations

import logging
import re
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text

from .db import normalize_url
from .naming import quote_schema

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
DEFAULT_LOCK_TIMEOUT = "5s"


def alembic_config(tree: str, script_location: str | Path | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or MIGRATIONS_DIR / tree))
    return cfg


@lru_cache(maxsize=16)
def _heads(location: str) -> str:
    script = ScriptDirectory.from_config(alembic_config("tenant", location))
    return ",".join(sorted(script.get_heads()))


def tenant_head(script_location: str | Path | None = None) -> str:
    """The version string a fully migrated tenant schema records (heads, sorted)."""
    return _heads(str(script_location or MIGRATIONS_DIR / "tenant"))


def province_head() -> str:
    return _heads(str(MIGRATIONS_DIR / "province"))


def upgrade_province(engine: Engine) -> None:
    """Bring the province schema to head (serialized by an advisory lock)."""
    cfg = alembic_config("province")
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{DEFAULT_LOCK_TIMEOUT}'")
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('province-migrations'))"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def province_is_current(engine: Engine) -> bool:
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT to_regclass('province.alembic_version')")).scalar()
        if not exists:
            return False
        versions = conn.execute(text("SELECT version_num FROM province.alembic_version")).scalars().all()
    return ",".join(sorted(versions)) == province_head()


def ensure_province(engine: Engine) -> None:
    """Create or upgrade the province schema if it is not at head (cheap when it is)."""
    if not province_is_current(engine):
        upgrade_province(engine)


@dataclass
class SchemaResult:
    slug: str
    schema: str
    ok: bool
    version: str | None = None
    error: str | None = None
    seconds: float = 0.0


@dataclass
class MigrateReport:
    head: str
    at_head: int = 0
    results: list[SchemaResult] = field(default_factory=list)

    @property
    def failed(self) -> list[SchemaResult]:
        return [r for r in self.results if not r.ok]

    @property
    def migrated(self) -> list[SchemaResult]:
        return [r for r in self.results if r.ok]


def pending_schemas(
    engine: Engine, head: str, only: list[str] | None = None
) -> tuple[list[tuple[str, str]], int]:
    """One query: schemas whose recorded version differs from head, and how many are current."""
    sql = text(
        """
        SELECT slug, schema_name, schema_version IS NOT DISTINCT FROM :head AS current
        FROM province.tenants
        WHERE (CAST(:only AS text[]) IS NULL OR slug = ANY(CAST(:only AS text[])))
        ORDER BY slug
        """
    )
    with engine.connect() as conn:
        rows = conn.execute(sql, {"head": head, "only": only}).all()
    pending = [(r.slug, r.schema_name) for r in rows if not r.current]
    return pending, len(rows) - len(pending)


def migrate_schema(
    engine: Engine,
    slug: str,
    schema: str,
    *,
    script_location: str | Path | None = None,
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT,
) -> SchemaResult:
    """Upgrade one schema in one transaction and record the outcome in the registry."""
    started = time.perf_counter()
    quoted = quote_schema(schema)
    cfg = alembic_config("tenant", script_location)
    try:
        with engine.connect() as conn, conn.begin():
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{_check_timeout(lock_timeout)}'")
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": "migrate:" + schema})
            cfg.attributes["connection"] = conn
            cfg.attributes["schema"] = schema
            command.upgrade(cfg, "heads")
            versions = (
                conn.exec_driver_sql(f"SELECT version_num FROM {quoted}.alembic_version").scalars().all()
            )
            version = ",".join(sorted(versions))
            conn.execute(
                text(
                    """UPDATE province.tenants SET schema_version = :v, migrate_status = 'ok',
                       migrate_error = NULL, migrated_at = now(), updated_at = now() WHERE slug = :slug"""
                ),
                {"v": version, "slug": slug},
            )
        return SchemaResult(slug, schema, True, version=version, seconds=time.perf_counter() - started)
    except Exception as exc:  # recorded per schema; the run goes on with the others
        message = f"{type(exc).__name__}: {exc}"[:4000]
        log.warning("migration of %s failed: %s", schema, message)
        with engine.begin() as conn:
            conn.execute(
                text(
                    """UPDATE province.tenants SET migrate_status = 'failed', migrate_error = :e,
                       updated_at = now() WHERE slug = :slug"""
                ),
                {"e": message, "slug": slug},
            )
        return SchemaResult(slug, schema, False, error=message, seconds=time.perf_counter() - started)


def _check_timeout(value: str) -> str:
    if not re.fullmatch(r"\d+(ms|s|min)?", value):
        raise ValueError(f"invalid lock timeout {value!r}: e.g. 5s, 500ms")
    return value


_worker_engine: Engine | None = None


def _worker_init(url: str) -> None:
    global _worker_engine
    _worker_engine = create_engine(normalize_url(url), pool_size=1, max_overflow=0)


def _worker_migrate(slug: str, schema: str, location: str | None, lock_timeout: str) -> SchemaResult:
    assert _worker_engine is not None
    return migrate_schema(_worker_engine, slug, schema, script_location=location, lock_timeout=lock_timeout)


def migrate_all(
    engine: Engine,
    *,
    jobs: int = 1,
    only: list[str] | None = None,
    script_location: str | Path | None = None,
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT,
    upgrade_province_first: bool = True,
    progress=None,
) -> MigrateReport:
    """Province first, then every tenant schema not yet at head."""
    _check_timeout(lock_timeout)
    if upgrade_province_first and not province_is_current(engine):
        upgrade_province(engine)
    head = tenant_head(script_location)
    pending, current = pending_schemas(engine, head, only)
    report = MigrateReport(head=head, at_head=current)
    if not pending:
        return report
    location = str(script_location) if script_location else None
    if jobs <= 1 or len(pending) == 1:
        for slug, schema in pending:
            result = migrate_schema(engine, slug, schema, script_location=location, lock_timeout=lock_timeout)
            report.results.append(result)
            if progress:
                progress(result)
        return report
    import multiprocessing

    url = engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(pending)), mp_context=ctx, initializer=_worker_init, initargs=(url,)
    ) as pool:
        futures = [
            pool.submit(_worker_migrate, slug, schema, location, lock_timeout) for slug, schema in pending
        ]
        for fut in as_completed(futures):
            result = fut.result()
            report.results.append(result)
            if progress:
                progress(result)
    report.results.sort(key=lambda r: r.slug)
    return report
