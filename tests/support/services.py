"""Real PostgreSQL and Redis for the suite: the configured ones, else embedded ones."""

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
TEST_REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "13"))


@dataclass
class Services:
    admin_url: str  # a database on the server we may CREATE DATABASE from
    database_url: str  # the fresh per-session database
    database: str
    redis_url: str
    started_pg: bool = False
    started_redis: bool = False
    instance: Path | None = None


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def _redis_with_db(url: str, db: int) -> str:
    if url.startswith("unix://"):
        base = url.split("?", 1)[0]
        return f"{base}?db={db}"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def start() -> Services:
    instance = ROOT / "instance"
    started_pg = started_redis = False
    admin = os.environ.get("DATABASE_URL")
    if not admin:
        admin, started_pg = embedded.ensure_postgres(instance)
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        redis_url, started_redis = embedded.ensure_redis(instance)
    name = f"hotline_test_{uuid.uuid4().hex[:10]}"
    plain_admin = normalize_url(admin).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain_admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return Services(
        admin_url=plain_admin,
        database_url=_with_database(plain_admin, name),
        database=name,
        redis_url=_redis_with_db(redis_url, TEST_REDIS_DB),
        started_pg=started_pg,
        started_redis=started_redis,
        instance=instance,
    )


def stop(services: Services) -> None:
    from tenants.db import db

    db.dispose()
    with psycopg.connect(services.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{services.database}" WITH (FORCE)')
    if services.started_redis and services.instance:
        embedded.stop_redis(services.instance)
    if services.started_pg and services.instance:
        embedded.stop_postgres(services.instance)
