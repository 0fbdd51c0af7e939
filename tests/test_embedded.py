"""Embedded defaults: both servers start from the wheels and keep their data across a restart."""

from __future__ import annotations

import psycopg
import redis

from app import embedded
from tenants.db import normalize_url


def test_embedded_redis_keeps_data_across_restart(tmp_path):
    url, started = embedded.ensure_redis(tmp_path)
    try:
        assert started
        again, started_again = embedded.ensure_redis(tmp_path)
        assert again == url and not started_again  # reused, not a second server
        redis.Redis.from_url(url).set("hotline:probe", "kept")
        embedded.stop_redis(tmp_path)
        url, started = embedded.ensure_redis(tmp_path)
        assert started
        assert redis.Redis.from_url(url).get("hotline:probe") == b"kept"
    finally:
        embedded.stop_redis(tmp_path)


def test_embedded_postgres_keeps_data_across_restart(tmp_path):
    url, started = embedded.ensure_postgres(tmp_path)
    plain = normalize_url(url).replace("postgresql+psycopg://", "postgresql://")
    try:
        assert started
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute("CREATE TABLE probe (v text)")
            conn.execute("INSERT INTO probe VALUES ('kept')")
        embedded.stop_postgres(tmp_path)
        _, started2 = embedded.ensure_postgres(tmp_path)
        assert started2
        with psycopg.connect(plain, autocommit=True) as conn:
            assert conn.execute("SELECT v FROM probe").fetchone() == ("kept",)
    finally:
        embedded.stop_postgres(tmp_path)
