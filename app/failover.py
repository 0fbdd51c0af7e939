"""Requests survive a database failover (docs/architecture.md §12).

Stale pooled connections are refused at checkout (``tenants.db._check_socket``, no round
trip). A request whose connection is lost while it runs is answered again, once, when that
is safe: no COMMIT was issued yet (the server rolled the transaction back), or the request
carries an ``Idempotency-Key`` (intake then returns the order it may already have stored).
Otherwise, or when the database stays away, the answer is 503 with ``Retry-After``, never 500.
"""

from __future__ import annotations

import io
import logging

from flask import Flask, jsonify
from sqlalchemy.exc import DBAPIError

from tenants import db

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1
# Connection failures carry no SQLSTATE or one of these: connection exceptions, auth, admin shutdown.
_LOST_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def connection_lost(exc: BaseException) -> bool:
    """The database went away under this statement (or refused a new connection)."""
    import psycopg

    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if not isinstance(orig, psycopg.OperationalError):
        return False
    state = getattr(orig, "sqlstate", None)
    return state is None or state.startswith(_LOST_SQLSTATES)


def database_unavailable_response():
    from .errors import error_body

    resp = jsonify(
        error_body(503, "the database connection was lost; retry the request", None),
    )
    resp.status_code = 503
    resp.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return resp


class RetryOnDisconnect:
    """WSGI middleware: run the request again once when its database connection was lost."""

    def __init__(self, wsgi_app, max_body: int):
        self.wsgi_app = wsgi_app
        self.max_body = max_body

    def _buffer_body(self, wsgi_environ) -> bytes | None:
        """The request body, read once so a second attempt can read it again (None: not retryable)."""
        if "chunked" in wsgi_environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return None
        try:
            length = int(wsgi_environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if length <= 0:
            return b""
        if length > self.max_body:
            return None  # Flask answers 413 without reading it
        body = wsgi_environ["wsgi.input"].read(length)
        wsgi_environ["wsgi.input"] = io.BytesIO(body)
        return body

    def __call__(self, wsgi_environ, start_response):
        body = self._buffer_body(wsgi_environ)
        if body is None:
            return self.wsgi_app(wsgi_environ, start_response)
        pristine = dict(wsgi_environ)
        idempotent = bool(wsgi_environ.get("HTTP_IDEMPOTENCY_KEY"))
        again, request_id = False, None
        with db.watch() as marks:

            def decide(status: str, headers, exc_info=None):
                nonlocal again, request_id
                safe = idempotent or not marks.commit_issued
                if status.startswith("503") and marks.disconnected and safe:
                    again = True
                    request_id = dict(headers).get("X-Request-ID")  # the second answer keeps it
                    return lambda _data: None  # this answer is thrown away
                return start_response(status, headers, exc_info)

            result = self.wsgi_app(wsgi_environ, decide)
        if not again:
            return result
        if hasattr(result, "close"):
            result.close()
        method, path = wsgi_environ.get("REQUEST_METHOD"), wsgi_environ.get("PATH_INFO")
        log.warning("answering %s %s again", method, path)
        retry = dict(pristine)
        retry["wsgi.input"] = io.BytesIO(body)
        if request_id:
            retry["HTTP_X_REQUEST_ID"] = request_id
        return self.wsgi_app(retry, start_response)


def init_app(app: Flask) -> None:
    app.wsgi_app = RetryOnDisconnect(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])  # type: ignore[method-assign]
