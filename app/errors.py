"""Error responses: flask-smorest's body ``{code, status, message, errors}`` for everything.

Domain code raises ``DomainError`` subclasses (or tenancy errors); nothing becomes a 5xx
unless it is a real fault, and those are logged with the request id.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

from tenants.context import UnknownTenant
from tenants.naming import InvalidName

from .auth.http import Unauthenticated
from .auth.policy import PermissionDenied

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule said no. ``status`` picks the HTTP code; ``errors`` carries field details."""

    status = 400

    def __init__(self, message: str, *, errors: dict | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The current state does not allow it (409)."""

    status = 409


class Forbidden(DomainError):
    status = 403


class PreconditionFailed(DomainError):
    """A stale ``If-Match`` (412)."""

    status = 412


def error_body(status: int, message: str, errors: dict | None = None) -> dict:
    from http import HTTPStatus

    body = {"code": status, "status": HTTPStatus(status).phrase, "message": message}
    if errors:
        body["errors"] = errors
    return body


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return jsonify(error_body(exc.status, exc.message, exc.errors)), exc.status

    @app.errorhandler(UnknownTenant)
    def _unknown_tenant(exc: UnknownTenant):
        return jsonify(error_body(404, f"unknown tenant {exc.slug!r}")), 404

    @app.errorhandler(InvalidName)
    def _invalid_name(exc: InvalidName):
        return jsonify(error_body(422, str(exc))), 422

    @app.errorhandler(PermissionDenied)
    def _denied(exc: PermissionDenied):
        return jsonify(error_body(403, str(exc))), 403

    @app.errorhandler(Unauthenticated)
    def _unauthenticated(exc: Unauthenticated):
        resp = jsonify(error_body(401, str(exc) or "authentication required"))
        resp.headers["WWW-Authenticate"] = 'Bearer realm="hotline"'
        return resp, 401

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        """Every HTTP error in smorest's shape, always with a message (validation names the fields)."""
        code = exc.code or 500
        errors = None
        data = getattr(exc, "data", None) or {}
        message = exc.description if exc.description != type(exc).description else None
        if "messages" in data:  # webargs/marshmallow validation
            errors = data["messages"]
            fields = sorted({f for loc in errors.values() if isinstance(loc, dict) for f in loc})
            message = "invalid input: " + (", ".join(fields) if fields else "see errors")
        elif "message" in data:
            message = data["message"]
        if message is None:
            from http import HTTPStatus

            message = {
                404: "not found",
                405: "method not allowed here",
                413: "request body over 1 MiB",
                401: "authentication required",
                403: "forbidden",
            }.get(code, HTTPStatus(code).phrase.lower())
        resp = jsonify(error_body(code, message, errors))
        for name, value in (data.get("headers") or {}).items():
            resp.headers[name] = value
        if code == 405 and exc.get_response().headers.get("Allow"):
            resp.headers["Allow"] = exc.get_response().headers["Allow"]
        return resp, code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        from .failover import connection_lost, database_unavailable_response

        if connection_lost(exc):  # a failover, not a bug: 503 (app/failover.py may answer again)
            log.warning("database connection lost: %s", type(exc.orig).__name__)
            return database_unavailable_response()
        log.exception("unhandled error")
        err = InternalServerError()
        return jsonify(error_body(500, "internal error; it has been logged")), err.code
