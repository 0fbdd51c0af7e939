"""Shared bench plumbing: a throwaway database on the configured (or embedded) server."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def server_urls() -> tuple[str, str]:
    """(admin PostgreSQL URL, Redis URL): the configured servers, else the embedded ones."""
    from app import embedded

    db = os.environ.get("DATABASE_URL") or embedded.ensure_postgres(ROOT / "instance")[0]
    redis = os.environ.get("REDIS_URL") or embedded.ensure_redis(ROOT / "instance")[0]
    return db.replace("postgresql+psycopg://", "postgresql://"), redis


@contextmanager
def scratch_database(prefix: str = "bench") -> Iterator[str]:
    admin, _ = server_urls()
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = admin.partition("?")
    url = base.rsplit("/", 1)[0] + "/" + name + (("?" + query) if query else "")
    try:
        yield url
    finally:
        from tenants.db import db

        db.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(fn: Callable[[], object], repeat: int = 1) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def median(values: list[float]) -> float:
    return statistics.median(values)


def table(rows: list[tuple], headers: tuple) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        [fmt.format(*headers), fmt.format(*("-" * w for w in widths))] + [fmt.format(*r) for r in rows]
    )
