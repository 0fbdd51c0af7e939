"""Engine, pooled-connection hygiene and the per-tenant unit of work.

A unit of work is a SQLAlchemy ``Session`` bound to an engine view whose
``schema_translate_map`` sends the ``tenant`` placeholder to the bound tenant's
schema, or to a schema that cannot exist when none is bound (fail closed).
"""

from __future__ import annotations

import os
import re
import select
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine, Executable, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session

from .naming import TENANT_PLACEHOLDER, UNBOUND_SCHEMA


class NoTenantBound(RuntimeError):
    """A tenant table was queried outside ``tenant_context``."""


class SessionSearchPathForbidden(RuntimeError):
    """Session-level ``SET search_path`` would leak into the next pooled use."""


# A statement (not a function's SET clause) that changes search_path for the whole session.
_SESSION_SET_SEARCH_PATH = re.compile(r"(?:\A|;)\s*SET\s+(?:SESSION\s+)?search_path\b", re.IGNORECASE)


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Statements that may leave session-level state behind (SET without LOCAL, set_config, ...).
_SESSION_STATE = re.compile(
    r"(?:\A|;)\s*(?:SET\s+(?!LOCAL\b)|RESET\b|DISCARD\b)|set_config\s*\(", re.IGNORECASE
)


@lru_cache(maxsize=4096)
def _classify(statement: str) -> tuple[bool, bool, bool]:
    """(reaches the unbound placeholder, sets search_path for the session, may leave session state).

    Memoized: compiled statements are the same string objects on every execution.
    """
    return (
        UNBOUND_SCHEMA in statement,
        "search_path" in statement and bool(_SESSION_SET_SEARCH_PATH.search(statement)),
        ("SET" in statement or "set" in statement) and bool(_SESSION_STATE.search(statement)),
    )


def _guard_statement(conn, cursor, statement, parameters, context, executemany):
    """Refuse unbound tenant access and session-wide search_path changes; note session state."""
    unbound, session_search_path, session_state = _classify(statement)
    if unbound:
        translate = conn._execution_options.get("schema_translate_map")
        if translate and translate.get(TENANT_PLACEHOLDER) == UNBOUND_SCHEMA:
            raise NoTenantBound(
                "tenant table used without a tenant: wrap the work in tenants.tenant_context(slug)"
            )
    if session_search_path:
        raise SessionSearchPathForbidden(
            "use SET LOCAL search_path inside a transaction (docs/architecture.md §2)"
        )
    if session_state:
        conn.info["session_state"] = True


def _reset_on_checkin(dbapi_connection, connection_record):
    """Clear session-level settings before the connection serves someone else.

    Only connections that ran a statement able to leave such state pay the round trip.
    """
    if not connection_record.info.pop("session_state", False):
        return
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is not None and pgconn.transaction_status == 0:  # IDLE
        pgconn.exec_(b"RESET ALL")


_AFTER_COMMIT = "after_commit_callbacks"


def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, ()):
        callback()


def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def _check_socket(dbapi_connection, connection_record, connection_proxy):
    """Hand out a pooled connection only if the server has not closed it (docs/architecture.md §12).

    A server that restarted, failed over or ran ``pg_terminate_backend`` leaves an error or
    EOF to read on the idle socket; a healthy idle connection has nothing to read. One
    ``poll()`` with no timeout instead of ``pool_pre_ping``'s round trip; only a readable socket
    pays for a ping. The pool replaces a connection refused here with a new one.
    """
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return
    if pgconn.status != 0:  # CONNECTION_OK
        raise DisconnectionError("connection is broken")
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    if poller.poll(0):  # almost always a closed connection; a real ping tells the rare exception
        try:
            dbapi_connection.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as exc:
            raise DisconnectionError("the server closed this pooled connection") from exc


@dataclass
class UnitMarks:
    """What happened to the database during one request: read by the retry-once middleware."""

    commit_issued: bool = False
    disconnected: bool = False


_marks: ContextVar[UnitMarks | None] = ContextVar("db_unit_marks", default=None)


def _note_commit(conn) -> None:
    marks = _marks.get()
    if marks is not None:
        marks.commit_issued = True


def _note_error(context) -> None:
    marks = _marks.get()
    if marks is not None and context.is_disconnect:
        marks.disconnected = True


class Database:
    """The process-wide engine plus context-local sessions, one per tenant schema."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._views: dict[str, Engine] = {}
        self._sessions: ContextVar[dict[str, Session] | None] = ContextVar("db_sessions", default=None)
        self._fork_hook = False
        self._compiled: dict[Executable, str] = {}

    # -- setup -----------------------------------------------------------------
    def configure(
        self,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 20,
        echo: bool = False,
        pool_check: str = "poll",
    ) -> None:
        """``pool_check``: ``poll`` the idle socket (default), ``ping`` (a round trip) or ``off``."""
        if self._engine is not None:
            self._engine.dispose()
        url = normalize_url(url)
        connect_args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": 10}
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=pool_check == "ping",
            pool_recycle=1800,
            hide_parameters=True,  # errors and logs never show bound values (caller data)
            connect_args=connect_args,
            echo=echo,
        )
        if not event.contains(Session, "after_commit", _run_after_commit):
            event.listen(Session, "after_commit", _run_after_commit)
            event.listen(Session, "after_rollback", _drop_after_commit)
        event.listen(engine, "before_cursor_execute", _guard_statement)
        event.listen(engine, "commit", _note_commit)
        event.listen(engine, "handle_error", _note_error)
        event.listen(engine.pool, "checkin", _reset_on_checkin)
        if pool_check == "poll":
            event.listen(engine.pool, "checkout", _check_socket)
        self._engine = engine
        self._views = {}
        self._compiled = {}
        if not self._fork_hook:
            os.register_at_fork(after_in_child=self._after_fork)
            self._fork_hook = True

    def _after_fork(self) -> None:
        # A forked rq work horse must not share sockets with its parent.
        if self._engine is not None:
            self._engine.dispose(close=False)
        self._sessions.set(None)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("database not configured: create_app() configures it")
        return self._engine

    def dispose(self) -> None:
        self.remove()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._views = {}

    @contextmanager
    def watch(self) -> Iterator[UnitMarks]:
        """Note whether a COMMIT was issued and whether a connection was lost inside the block."""
        marks = UnitMarks()
        token = _marks.set(marks)
        try:
            yield marks
        finally:
            _marks.reset(token)

    # -- units of work ---------------------------------------------------------
    def engine_for(self, schema: str | None) -> Engine:
        """An engine view that maps the placeholder to ``schema`` (or fails closed)."""
        target = schema or UNBOUND_SCHEMA
        view = self._views.get(target)
        if view is None:
            view = self.engine.execution_options(schema_translate_map={TENANT_PLACEHOLDER: target})
            self._views[target] = view
        return view

    @property
    def session(self) -> Session:
        """The current unit of work for the bound tenant (province-only when none is bound)."""
        from .context import current_tenant_or_none  # local: context imports this module

        ref = current_tenant_or_none()
        key = ref.schema if ref else ""
        sessions = self._sessions.get()
        if sessions is None:
            sessions = {}
            self._sessions.set(sessions)
        sess = sessions.get(key)
        if sess is None:
            sess = Session(bind=self.engine_for(ref.schema if ref else None), expire_on_commit=False)
            sessions[key] = sess
        return sess

    def remove(self) -> None:
        """End every unit of work of this context (rolling back anything uncommitted)."""
        sessions = self._sessions.get()
        if sessions:
            for sess in sessions.values():
                try:
                    sess.close()
                except DBAPIError:  # the server went away: its transaction is gone, so is the socket
                    sess.invalidate()
        self._sessions.set(None)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current unit of work commits (dropped if it rolls back).

        For what must not happen before the data it announces is visible (cache invalidation);
        services register it, the view or job that commits triggers it.
        """
        self.session.info.setdefault(_AFTER_COMMIT, []).append(callback)

    def run_compiled(self, stmt: Executable, params: dict | list[dict]):
        """Execute ``stmt`` on the unit of work's connection as SQL compiled once per process.

        For hot statements with no tenant placeholder and no typed binds (text with literal schema
        names): SQLAlchemy's events, error handling and disconnect detection still apply, but not its
        per-execution statement processing.
        """
        sql = self._compiled.get(stmt)
        if sql is None:
            sql = self._compiled[stmt] = stmt.compile(dialect=self.engine.dialect).string
        return self.session.connection().exec_driver_sql(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit on success, roll back on error: for CLI and jobs outside a request."""
        sess = self.session
        try:
            yield sess
            sess.commit()
        except BaseException:
            sess.rollback()
            raise


db = Database()
