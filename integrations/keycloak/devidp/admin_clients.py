"""The clients slice of Keycloak's admin REST API, as python-keycloak's ``KeycloakAdmin`` calls it:
``create_client``, ``get_client_id``, ``get_client``, ``update_client``, ``delete_client``,
``get_client_secrets``, ``generate_client_secrets``, ``get_client_service_account_user``.

Reading needs ``view-clients`` (or ``query-clients``), changing needs ``manage-clients``, as in
Keycloak. The realm file's clients are listed and readable but not changed here (the file is
their source); run-time clients live in ``devidp.clients`` (``clients.py``).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from . import current_idp
from .admin import _body, _created, _no_content, blp, user_rep
from .admin_access import MANAGE_CLIENTS, READ_CLIENTS, AdminError, needs
from .store import Conflict


def _file_reps(client_id: str | None = None) -> list[dict[str, Any]]:
    realm = current_idp().realm
    return [
        c.rep for cid, c in realm.clients.items() if client_id is None or cid == client_id
    ]  # the realm file's representations already carry their ids


def _client_or_404(id: str, *, writable: bool = False) -> dict[str, Any]:
    idp = current_idp()
    found = idp.clients.get(id=id)
    if found is not None:
        return found
    if any(rep.get("id") == id for rep in _file_reps()):
        if writable:
            raise AdminError(400, "clients of the realm file are read-only in the dev IdP")
        return next(rep for rep in _file_reps() if rep.get("id") == id)
    raise AdminError(404, "Could not find client")


@blp.get("/clients")
@needs(READ_CLIENTS)
def list_clients():
    client_id = request.args.get("clientId")
    reps = _file_reps(client_id) + current_idp().clients.find(client_id)
    return jsonify(reps)


@blp.post("/clients")
@needs(MANAGE_CLIENTS)
def create_client():
    body = _body()
    client_id = str(body.get("clientId") or "").strip()
    if not client_id or len(client_id) > 255:
        raise AdminError(400, "Client id is missing or invalid")
    if client_id in current_idp().realm.clients:
        raise AdminError(409, f"Client {client_id} already exists")
    try:
        new_id = current_idp().clients.create({**body, "clientId": client_id})
    except Conflict as exc:
        raise AdminError(409, str(exc)) from exc
    return _created("clients", new_id)


@blp.get("/clients/<id>")
@needs(READ_CLIENTS)
def get_client(id: str):
    return jsonify(_client_or_404(id))


@blp.put("/clients/<id>")
@needs(MANAGE_CLIENTS)
def update_client(id: str):
    _client_or_404(id, writable=True)
    current_idp().clients.update(id, _body())
    return _no_content()


@blp.delete("/clients/<id>")
@needs(MANAGE_CLIENTS)
def delete_client(id: str):
    _client_or_404(id, writable=True)
    current_idp().clients.delete(id)
    return _no_content()


@blp.get("/clients/<id>/client-secret")
@needs(READ_CLIENTS)
def client_secret(id: str):
    rep = _client_or_404(id)
    return jsonify({"type": "secret", "value": rep.get("secret")})


@blp.post("/clients/<id>/client-secret")
@needs(MANAGE_CLIENTS)
def regenerate_client_secret(id: str):
    rep = _client_or_404(id, writable=True)
    if rep.get("publicClient"):
        raise AdminError(400, "a public client has no secret")
    return jsonify({"type": "secret", "value": current_idp().clients.regenerate_secret(id)})


@blp.get("/clients/<id>/service-account-user")
@needs(READ_CLIENTS)
def service_account_user(id: str):
    rep = _client_or_404(id)
    user = current_idp().store.service_account(rep["clientId"])
    if user is None or not rep.get("serviceAccountsEnabled"):
        raise AdminError(400, "Service account not enabled for the client")
    return jsonify(user_rep(user))
