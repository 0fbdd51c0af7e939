"""Real PostgreSQL and Redis for the suite: the configured ones, else embedded ones.

Under xdist (README, "The two commands") each worker has its own database and Redis database
number; embedded servers are started once, by the controller (tests/conftest.py).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from app import embedded
from tenants.db import normalize_url

ROOT = Path(__file__).resolve().parents[2]
TEST_REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "13"))  # an xdist worker counts down from it


def redis_db() -> int:
    """This process's Redis database: ``TEST_REDIS_DB`` minus the xdist worker's index (gw0, gw1...)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    db = TEST_REDIS_DB - int(worker.removeprefix("gw") or 0)
    if db < 0:
        raise RuntimeError(
            f"TEST_REDIS_DB={TEST_REDIS_DB} leaves no Redis database for xdist worker {worker}"
        )
    return db


@dataclass
class Servers:
    """The PostgreSQL and Redis servers of a run (the xdist controller starts embedded ones once)."""

    admin_url: str  # a database on the server we may CREATE DATABASE from
    redis_url: str  # as configured, before the per-worker database number
    started_pg: bool = False
    started_redis: bool = False
    instance: Path | None = None


def servers() -> Servers:
    """``DATABASE_URL``/``REDIS_URL``, else embedded servers under ``instance/`` (started or adopted)."""
    instance = ROOT / "instance"
    started_pg = started_redis = False
    admin = os.environ.get("DATABASE_URL")
    if not admin:
        admin, started_pg = embedded.ensure_postgres(instance)
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        redis_url, started_redis = embedded.ensure_redis(instance)
    plain_admin = normalize_url(admin).replace("postgresql+psycopg://", "postgresql://")
    return Servers(plain_admin, redis_url, started_pg, started_redis, instance)


def stop_servers(found: Servers) -> None:
    """Stop the embedded servers this process started (never ones it adopted or was given)."""
    if found.started_redis and found.instance:
        embedded.stop_redis(found.instance)
    if found.started_pg and found.instance:
        embedded.stop_postgres(found.instance)


@dataclass
class Services:
    admin_url: str  # a database on the server we may CREATE DATABASE from
    database_url: str  # the fresh per-session database
    database: str
    redis_url: str


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def _redis_with_db(url: str, db: int) -> str:
    if url.startswith("unix://"):
        base = url.split("?", 1)[0]
        return f"{base}?db={db}"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def start(found: Servers) -> Services:
    """A fresh database on ``found``'s PostgreSQL, and this process's Redis database."""
    name = f"hotline_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(found.admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return Services(
        admin_url=found.admin_url,
        database_url=_with_database(found.admin_url, name),
        database=name,
        redis_url=_redis_with_db(found.redis_url, redis_db()),
    )


def stop(services: Services) -> None:
    from tenants.db import db

    db.dispose()
    with psycopg.connect(services.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{services.database}" WITH (FORCE)')
