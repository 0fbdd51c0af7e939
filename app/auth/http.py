"""Authentication of HTTP requests: bearer token -> Principal, once per request."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, request

from .policy import require
from .principal import Principal

_ENV_KEY = "hotline.principal"


class Unauthenticated(Exception):
    """Missing or invalid bearer token (401)."""


def _verify(token: str) -> Principal:
    verifier = current_app.extensions.get("token_verifier")
    if verifier is None:
        raise Unauthenticated("authentication is not configured")
    return verifier.principal(token)


def current_principal() -> Principal:
    """The request's caller; raises Unauthenticated (401) when there is none."""
    principal = request.environ.get(_ENV_KEY)
    if principal is not None:
        return principal
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("missing bearer token")
    principal = _verify(token.strip())
    for check in current_app.extensions.get("principal_checks", ()):
        check(principal)  # e.g. a revoked registry client (app/open311/service_accounts.py)
    request.environ[_ENV_KEY] = principal  # per request, never per app context
    return principal


def use_principal(principal: Principal) -> None:
    """Bind a caller authenticated another way (a web session's tokens) to this request."""
    request.environ[_ENV_KEY] = principal


def requires(permission: str) -> Callable:
    """View decorator: authenticate, then check the permission matrix."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            require(current_principal(), permission)
            return view(*args, **kwargs)

        wrapper._permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorate
