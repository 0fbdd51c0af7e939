"""Who may call the dev IdP's admin API: a bearer token of this realm whose
``realm-management`` client roles allow the call (as in Keycloak)."""

from __future__ import annotations

from functools import wraps

from flask import request

from . import current_idp
from .tokens import InvalidToken

READ_USERS = {"view-users", "manage-users", "query-users"}
READ_GROUPS = {"view-users", "manage-users", "query-groups"}
MANAGE = {"manage-users"}
READ_CLIENTS = {"view-clients", "manage-clients", "query-clients"}
MANAGE_CLIENTS = {"manage-clients"}


class AdminError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _roles_of_caller() -> set[str]:
    idp = current_idp()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        raise AdminError(401, "HTTP 401 Unauthorized")
    try:
        claims = idp.tokens.verify(token.strip(), "Bearer")
    except InvalidToken as exc:
        raise AdminError(401, "HTTP 401 Unauthorized") from exc
    if claims.get("sid") and not idp.sessions.active(claims["sid"]):
        raise AdminError(401, "HTTP 401 Unauthorized")
    user = idp.store.user(id=claims.get("sub", ""))
    if user is None or not user["enabled"]:
        raise AdminError(401, "HTTP 401 Unauthorized")
    return set(((claims.get("resource_access") or {}).get("realm-management") or {}).get("roles") or [])


def needs(any_of: set[str]):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not _roles_of_caller() & any_of:
                raise AdminError(403, "HTTP 403 Forbidden")
            return view(*args, **kwargs)

        return wrapper

    return decorate
