"""Open311 ``api_key``s: issued once, stored as sha256, bound to one city, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select

from tenants import db

from ..auth.principal import Principal, Role
from .models import ApiClient

OPEN311_SCOPES = ("open311:read", "open311:write")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue(
    tenant_slug: str, name: str, scopes: list[str] | None = None, rate_limit: str = "120/minute"
) -> tuple[ApiClient, str]:
    """A new client with a fresh key; the plain key is returned here and never again."""
    key = "o311_" + secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=f"{tenant_slug}-{secrets.token_hex(6)}",
        tenant_slug=tenant_slug,
        name=name,
        scopes=list(scopes or OPEN311_SCOPES),
        key_hash=_hash(key),
        kind="api_key",
        rate_limit=rate_limit,
    )
    db.session.add(client)
    db.session.flush()
    return client, key


def rotate(client: ApiClient) -> str:
    """A new key for a live client; the old one stops working at once."""
    key = "o311_" + secrets.token_urlsafe(32)
    client.key_hash = _hash(key)
    client.secret_rotated_at = datetime.now(UTC)
    return key


def revoke(client: ApiClient) -> None:
    client.revoked_at = datetime.now(UTC)
    client.key_hash = None


def verify(key: str | None, tenant_slug: str) -> ApiClient | None:
    """The live client holding ``key`` for this city, or None (a key of another city is no key)."""
    if not key:
        return None
    client = db.session.scalars(select(ApiClient).where(ApiClient.key_hash == _hash(key))).first()
    if client is None or client.revoked_at is not None or client.tenant_slug != tenant_slug:
        return None
    return client


def principal_of(client: ApiClient) -> Principal:
    return Principal(
        subject=f"client:{client.client_id}",
        username=f"client:{client.client_id}",
        roles=frozenset({Role.API_CLIENT}),
        tenant=client.tenant_slug,
        client_id=client.client_id,
    )
