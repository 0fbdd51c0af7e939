"""Service-account clients of the registry (docs/open311.md "Service accounts").

A service account is a confidential client of the realm with only the client-credentials grant,
bound to one city by hardcoded ``tenant``/``tenants`` claims and holding one realm role
(``api_client`` or ``data_partner``). The registry row and the realm client share the
``client_id``; the secret lives only in the realm and is shown once, at issue and at rotation.

The realm is reached through an adapter the app factory registers (``use``), never by importing
an integration: Keycloak's admin API in production, the dev IdP's in development and tests.
Tokens are verified locally, so a token issued before a revocation would stay valid until it
expires: ``check_principal`` refuses tokens of revoked registry clients at once (one indexed
read per service-account request).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Protocol

from flask import current_app, g
from sqlalchemy import select

from tenants import db

from ..auth.http import Unauthenticated
from ..auth.principal import Principal, Role
from ..errors import Conflict, DomainError
from .models import ApiClient

SERVICE_ROLES = (Role.API_CLIENT, Role.DATA_PARTNER)
API_KEY, SERVICE_ACCOUNT = "api_key", "service_account"
KINDS = (API_KEY, SERVICE_ACCOUNT)


class RealmError(DomainError):
    """The identity provider refused or could not be reached (nothing was issued)."""

    status = 503


class RealmClients(Protocol):
    """What the registry needs from the realm."""

    def create(self, client_id: str, name: str, tenant: str, role: str) -> str:
        """Create the confidential client and its service account with ``role``; return its secret."""

    def rotate(self, client_id: str) -> str:
        """A new secret (the old one stops working); return it."""

    def disable(self, client_id: str) -> None:
        """The client can no longer obtain tokens."""


def use(app, adapter: RealmClients) -> None:
    app.extensions["realm_clients"] = adapter


def _realm() -> RealmClients:
    adapter = current_app.extensions.get("realm_clients")
    if adapter is None:
        raise RealmError("no identity provider is configured for service accounts")
    return adapter


def new_client_id(tenant_slug: str) -> str:
    return f"{tenant_slug}-{secrets.token_hex(6)}"


def issue(tenant_slug: str, name: str, role: str, rate_limit: str = "120/minute") -> tuple[ApiClient, str]:
    """Register the client, then create it in the realm; the plain secret is returned here only.

    The row is flushed first, so a realm failure rolls it back with the view's transaction.
    """
    client = ApiClient(
        client_id=new_client_id(tenant_slug),
        tenant_slug=tenant_slug,
        name=name,
        scopes=[],
        rate_limit=rate_limit,
        kind=SERVICE_ACCOUNT,
        role=role,
    )
    db.session.add(client)
    db.session.flush()
    secret = _realm().create(client.client_id, name, tenant_slug, role)
    return client, secret


def rotate(client: ApiClient) -> str:
    """A new secret for a live service account (the old one stops working at once in the realm)."""
    if client.revoked_at is not None:
        raise Conflict(f"client {client.client_id} is revoked")
    secret = _realm().rotate(client.client_id)
    client.secret_rotated_at = datetime.now(UTC)
    return secret


def revoke(client: ApiClient) -> None:
    _realm().disable(client.client_id)
    client.revoked_at = datetime.now(UTC)


def registry_client(principal: Principal) -> ApiClient | None:
    """The registry's service account behind ``principal`` (None: a user or a realm-file client).

    Memoized per request: the revocation check, the rate limiter and the usage count share it.
    """
    if not principal.client_id or not principal.roles & Role.SYSTEM:
        return None
    cache = g.setdefault("registry_clients", {})
    if principal.client_id not in cache:
        cache[principal.client_id] = db.session.scalars(
            select(ApiClient).where(
                ApiClient.client_id == principal.client_id, ApiClient.kind == SERVICE_ACCOUNT
            )
        ).first()
    return cache[principal.client_id]


def check_principal(principal: Principal) -> None:
    """A token of a revoked registry client is no token (401), even before it expires."""
    client = registry_client(principal)
    if client is not None and (client.revoked_at is not None or client.tenant_slug != principal.tenant):
        raise Unauthenticated("this client has been revoked")
