"""Start-up problems in one line that names what to set, never a traceback (docs/architecture.md §12).

Every entry point goes through here: gunicorn and the Flask CLI import ``wsgi`` (which calls
``create_app_or_exit``), the CLI commands explain connection failures (``explain_cli_errors``),
the worker and scheduler check both servers before they start (``preflight``), the gunicorn
master checks them once (``app.serving``) and so does ``make run``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from .config import ConfigError, StartupError

# gunicorn's "application could not be loaded": its arbiter stops instead of respawning workers.
EXIT_CODE = 4
# psycopg connection failures carry no SQLSTATE, or one of these (connection, auth, unknown db).
_CONNECT_SQLSTATES = ("08", "28", "3D000", "57P03")


def mask_url(url: str | None) -> str:
    """The URL without its password (user names, hosts and databases help; passwords never)."""
    if not url:
        return "(unset)"
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def _database_url() -> str | None:
    from .extensions import db

    try:
        return db.engine.url.render_as_string(hide_password=True)
    except RuntimeError:
        return None


def explain(exc: BaseException) -> str | None:
    """One line for a known start-up problem, or None for anything else (a real bug)."""
    import psycopg
    import redis
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, ConfigError | StartupError):
        return str(exc)
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, psycopg.OperationalError):
        state = getattr(orig, "sqlstate", None)
        if state is None or state.startswith(_CONNECT_SQLSTATES):
            return (
                f"cannot connect to PostgreSQL at {mask_url(_database_url())}: {_first_line(orig)} "
                "(check DATABASE_URL and that the server is up)"
            )
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        from .extensions import redis_client

        return (
            f"cannot connect to Redis at {mask_url(redis_client.url)}: {_first_line(exc)} "
            "(check REDIS_URL and that the server is up)"
        )
    return None


def say(message: str) -> None:
    print(f"hotline: cannot start: {message}", file=sys.stderr, flush=True)


def create_app_or_exit():
    """``create_app()`` for wsgi.py; a start-up problem ends the process with its one line."""
    from . import create_app

    try:
        return create_app()
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise
        say(message)
        raise SystemExit(EXIT_CODE) from None


def configure_connections(settings) -> None:
    """The engine and the Redis pool (neither connects yet); a malformed URL is a ConfigError."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from .extensions import db, redis_client

    try:
        if make_url(settings.database_url).get_backend_name() != "postgresql":
            raise ValueError("not a postgresql:// URL")
        db.configure(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_check=settings.db_pool_check,
        )
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        raise ConfigError(
            f"DATABASE_URL is not a PostgreSQL URL ({mask_url(settings.database_url)}): {_first_line(exc)}; "
            "use postgresql://USER:PASSWORD@HOST:5432/DATABASE"
        ) from None
    try:
        redis_client.configure(settings.redis_url)
    except ValueError as exc:
        raise ConfigError(
            f"REDIS_URL is not a Redis URL ({mask_url(settings.redis_url)}): {_first_line(exc)}; "
            "use redis://[:PASSWORD@]HOST:6379/0"
        ) from None


def check_database(url: str, timeout: int = 5) -> None:
    """Connect once and run ``SELECT 1``; StartupError names DATABASE_URL."""
    import psycopg

    from tenants.db import normalize_url

    plain = normalize_url(url).replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(plain, connect_timeout=timeout, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except (ValueError, psycopg.ProgrammingError) as exc:
        raise StartupError(f"DATABASE_URL is not a PostgreSQL URL ({mask_url(url)}): {exc}") from None
    except psycopg.Error as exc:
        raise StartupError(
            f"cannot connect to PostgreSQL at {mask_url(url)}: {_first_line(exc)} "
            "(check DATABASE_URL and that the server is up)"
        ) from None


def check_redis(url: str, timeout: int = 5) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping()
    except ValueError as exc:
        raise StartupError(f"REDIS_URL is not a Redis URL ({mask_url(url)}): {exc}") from None
    except redis.RedisError as exc:
        raise StartupError(
            f"cannot connect to Redis at {mask_url(url)}: {_first_line(exc)} "
            "(check REDIS_URL and that the server is up)"
        ) from None


def preflight() -> None:
    """Both servers answer (worker and scheduler, before they start waiting for work)."""
    from .extensions import db, redis_client

    check_database(db.engine.url.render_as_string(hide_password=False))
    check_redis(redis_client.url or "")


def explain_cli_errors(group: click.Group) -> None:
    """Wrap every command so known start-up problems end in one ``Error: ...`` line (exit 1)."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            explain_cli_errors(command)
        if command.callback is not None and not getattr(command.callback, "_explained", False):
            command.callback = _explaining(command.callback)


def _explaining(callback: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except click.ClickException:
            raise
        except Exception as exc:
            message = explain(exc)
            if message is None:
                raise
            raise click.ClickException(message) from None

    run._explained = True  # type: ignore[attr-defined]
    return run
