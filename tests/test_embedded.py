"""Embedded defaults: both servers start from the wheels and keep their data across a restart."""

from __future__ import annotations

import json
import os
import signal

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


def test_start_after_a_power_loss_repairs_stale_state(tmp_path):
    """Postmaster and Redis killed, postmaster.pid naming a live non-postgres pid, a torn pid list."""
    pgdata = embedded.postgres_dir(tmp_path)
    url, _ = embedded.ensure_postgres(tmp_path)
    embedded.ensure_redis(tmp_path)
    try:
        postmaster, redis_server = embedded.live_postmaster(pgdata), embedded.live_redis(tmp_path)
        for proc in (postmaster, redis_server):
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        (pgdata / "postmaster.pid").write_text("\n".join([str(os.getpid()), *lines[1:]]) + "\n")
        (pgdata / ".handle_pids.json").write_text("[")
        assert embedded.live_postmaster(pgdata) is None  # a pid that is alive is not trusted blindly

        again, started = embedded.ensure_postgres(tmp_path)
        assert started and again == url and embedded.live_postmaster(pgdata).pid != postmaster.pid
        assert isinstance(json.loads((pgdata / ".handle_pids.json").read_text()), list)  # repaired
        plain = normalize_url(again).replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        redis_again, redis_started = embedded.ensure_redis(tmp_path)
        assert redis_started and redis.Redis.from_url(redis_again).ping()
    finally:
        embedded.stop_redis(tmp_path)
        embedded.stop_postgres(tmp_path)
    assert embedded.live_postmaster(pgdata) is None and embedded.live_redis(tmp_path) is None
