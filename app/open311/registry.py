"""The client registry's rules, shared by the API (``clients_api.py``) and the province portal:
issue, rotate and revoke either kind of client (docs/open311.md)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from tenants import db
from tenants.context import UnknownTenant, lookup

from ..errors import Conflict, NotFound
from . import keys, service_accounts
from .models import ApiClient

COLUMNS = (
    "client_id",
    "kind",
    "tenant_slug",
    "name",
    "scopes",
    "role",
    "rate_limit",
    "created_at",
    "secret_rotated_at",
    "revoked_at",
)


def find(client_id: str) -> ApiClient:
    client = db.session.scalars(select(ApiClient).where(ApiClient.client_id == client_id)).first()
    if client is None:
        raise NotFound(f"unknown client {client_id!r}")
    return client


def token_endpoint() -> str:
    return current_app.extensions["token_verifier"].issuer + "/protocol/openid-connect/token"


def row(client: ApiClient) -> dict:
    return {c: getattr(client, c) for c in COLUMNS}


def issue(body: dict) -> dict:
    """Register a client of kind ``api_key`` or ``service_account``; the answer with its secret."""
    try:
        lookup(body["tenant"])
    except UnknownTenant as exc:
        raise NotFound(f"unknown tenant {body['tenant']!r}") from exc
    if body["kind"] == service_accounts.SERVICE_ACCOUNT:
        client, secret = service_accounts.issue(
            body["tenant"],
            body["name"],
            body["role"] or service_accounts.SERVICE_ROLES[0],
            body["rate_limit"],
        )
        return {**row(client), "client_secret": secret, "token_endpoint": token_endpoint()}
    client, key = keys.issue(body["tenant"], body["name"], body["scopes"], body["rate_limit"])
    return {**row(client), "api_key": key}


def rotate(client: ApiClient) -> dict:
    if client.kind == service_accounts.SERVICE_ACCOUNT:
        secret = service_accounts.rotate(client)
        return {**row(client), "client_secret": secret, "token_endpoint": token_endpoint()}
    if client.revoked_at is not None:
        raise Conflict(f"client {client.client_id} is revoked")
    return {**row(client), "api_key": keys.rotate(client)}


def revoke(client: ApiClient) -> None:
    """Revoking again changes nothing."""
    if client.revoked_at is not None:
        return
    if client.kind == service_accounts.SERVICE_ACCOUNT:
        service_accounts.revoke(client)
    else:
        keys.revoke(client)
