"""OpenAPI, completed from what the code already declares (README, "HTTP API: bounds, OpenAPI,
fuzzing").

An apispec plugin reads each operation's view and route and adds, once for every blueprint:

- the error statuses it really answers: 401 without a valid token, 403 when the permission
  matrix or the tenant says no, 404 for a path naming something that is not there (an unknown
  tenant included), 400, 413 and 422 for a request body (not JSON, over 1 MiB, or invalid);
- an ``operationId`` (``<method>_<blueprint>_<endpoint>``), so links and client generators can
  name operations;
- the roles the permission matrix lets in (``x-permission``, ``x-roles`` and a line of the
  description), so an integrator knows which account to ask for.

Statuses only a domain knows (409 for a state that forbids the action, 412 for a stale
``If-Match``) are declared where the views are made, with ``responds``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from apispec import BasePlugin
from flask import Flask

from ..auth.policy import MATRIX
from ..auth.principal import Role

ROLES_PREFIX = "Roles: "

# When each error status happens, with a sample message (the body is always {code, status, message, errors}).
ERRORS: dict[int, tuple[str, str]] = {
    400: ("The body is not valid JSON.", "The request body is not valid JSON."),
    401: ("No valid bearer token (missing, expired, wrong issuer or audience).", "missing bearer token"),
    403: (
        "The permission matrix or the tenant says no (another city's URL, a role without the action).",
        "your role may not do this (orders.dispatch)",
    ),
    404: ("The path names nothing you may see: an unknown tenant, id or code.", "no order 12"),
    409: (
        "The current state does not allow it; nothing was changed.",
        "cannot merge into an order that is closed",
    ),
    412: (
        "`If-Match` names an older version of the resource; read it again.",
        "the order changed (version 4)",
    ),
    413: ("The request body is over 1 MiB.", "request body over 1 MiB"),
    422: ("Invalid input; `errors` names each field by location.", "invalid input: content"),
    429: (
        "Over the calling client's rate limit (registry clients); wait `Retry-After` seconds.",
        "429 Too Many Requests: 120 per 1 minute",
    ),
    503: (
        "A service it depends on failed; it is safe to try again.",
        "identity provider unreachable; POST again",
    ),
}


def operation_id(method: str, endpoint: str) -> str:
    """The operationId of ``method`` on the Flask ``endpoint`` (``orders.OrderItem``)."""
    return f"{method.lower()}_{endpoint.replace('.', '_')}"


def error_response(status: int) -> dict[str, Any]:
    """An error response object: when it happens, the error body's schema and an example."""
    when, message = ERRORS[status]
    example: dict[str, Any] = {"code": status, "status": HTTPStatus(status).phrase, "message": message}
    if status == 422:
        example["errors"] = {"json": {"content": ["Missing data for required field."]}}
    return {
        "description": when,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}, "example": example}
        },
    }


def responds(*statuses: int) -> dict[str, Any]:
    """``@blp.doc(**responds(409, 412))``: error statuses a view declares beyond the usual ones."""
    return {"responses": {status: error_response(status) for status in statuses}}


def link(endpoint: str, method: str, description: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link to the operation ``method`` on ``endpoint``, with runtime expressions."""
    return {
        "operationId": operation_id(method, endpoint),
        "description": description,
        "parameters": parameters,
    }


class OperationsPlugin(BasePlugin):
    """Adds error statuses, operation ids and roles to every operation of a Flask route."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any):
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        view = self.app.view_functions.get(rule.endpoint)
        for method, operation in operations.items():
            func = getattr(getattr(view, "view_class", None), method, view)
            permission = getattr(func, "_permission", None)
            operation.setdefault("operationId", operation_id(method, rule.endpoint))
            _document_errors(operation, path or "", permission)
            if permission:
                _document_roles(operation, permission)


def _document_errors(operation: dict, path: str, permission: str | None) -> None:
    statuses = []
    if permission:
        statuses.append(401)
        if MATRIX[permission] != Role.ALL or "{tenant}" in path:
            statuses.append(403)
    if "{" in path:
        statuses.append(404)
    if "requestBody" in operation:
        statuses += [400, 413, 422]
    responses = operation.setdefault("responses", {})
    for status in statuses:
        if status not in responses and str(status) not in responses:
            responses[status] = error_response(status)


def _document_roles(operation: dict, permission: str) -> None:
    roles = sorted(MATRIX[permission])
    operation["x-permission"] = permission
    operation["x-roles"] = roles
    line = f"{ROLES_PREFIX}{', '.join(roles)} (permission `{permission}`)."
    description = operation.get("description", "").strip()
    operation["description"] = f"{description}\n\n{line}" if description else line
