"""Per-client rate limits (flask-limiter on Redis) and per-client usage counts, for every client
of the registry: Open311 ``api_key`` holders on the Open311 routes, service accounts (client
credentials) on the JSON API (``/api/v1/...``, the partner endpoints among them).

The limit is keyed by the registry client, so one noisy app never slows another app of the same
city. Open311 callers without a key share a per-address limit; users and the realm file's own
clients (demo third parties, 110/119/120/122 platforms) are not limited here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from sqlalchemy import select

from tenants import db

from ..auth.http import Unauthenticated
from ..errors import DomainError
from ..extensions import redis_client
from .keys import _hash
from .models import ApiClient
from .service_accounts import registry_client

ANONYMOUS_LIMIT = "60/minute"  # per address, without api_key; app config OPEN311_ANONYMOUS_LIMIT
USAGE_DAYS = 35  # usage counters expire after this
OPEN311_BLUEPRINT = "open311"
API_PREFIX = "/api/v1/"


def _key_client() -> ApiClient | None:
    key = request.values.get("api_key")
    if not key:
        return None
    return db.session.scalars(
        select(ApiClient).where(ApiClient.key_hash == _hash(key), ApiClient.revoked_at.is_(None))
    ).first()


def _token_client() -> ApiClient | None:
    """The live registry service account of a JSON API request's bearer token, if it has one
    (other routes with bearer tokens, such as the dev IdP's admin API, are not the platform's)."""
    if not request.path.startswith(API_PREFIX):
        return None
    if not request.headers.get("Authorization", "")[:7].lower().startswith("bearer "):
        return None
    from ..auth.http import current_principal

    try:
        client = registry_client(current_principal())
    except (Unauthenticated, DomainError):
        return None  # the view answers 401/503 itself
    return client if client is not None and client.revoked_at is None else None


def _client() -> ApiClient | None:
    if "rl_client" not in g:
        g.rl_client = _key_client() if request.blueprint == OPEN311_BLUEPRINT else _token_client()
    return g.rl_client


def client_key() -> str:
    client = _client()
    return f"client:{client.client_id}" if client else f"addr:{request.remote_addr}"


def client_limit() -> str:
    client = _client()
    return client.rate_limit if client else current_app.config.get("OPEN311_ANONYMOUS_LIMIT", ANONYMOUS_LIMIT)


def _not_a_service_account() -> bool:
    return request.blueprint == OPEN311_BLUEPRINT or _client() is None


def _usage_key(client_id: str, day: str) -> str:
    return f"open311:usage:{client_id}:{day}"  # every registry client, whatever its kind


def count_use() -> None:
    """Runs after the limiter: only requests that passed it are counted."""
    if request.blueprint != OPEN311_BLUEPRINT and not (
        request.path.startswith(API_PREFIX) and request.headers.get("Authorization")
    ):
        return
    client = _client()
    if client is not None:
        key = _usage_key(client.client_id, datetime.now(UTC).strftime("%Y%m%d"))
        pipe = redis_client.conn.pipeline()
        pipe.incr(key)
        pipe.expire(key, USAGE_DAYS * 86400)
        pipe.execute()


def usage(client_id: str) -> dict[str, int]:
    """Requests per UTC day, newest first (days with traffic only)."""
    conn = redis_client.conn
    keys = sorted(conn.scan_iter(_usage_key(client_id, "*")), reverse=True)
    values = conn.mget(keys) if keys else []
    return {
        k.decode().rsplit(":", 1)[1] if isinstance(k, bytes) else k.rsplit(":", 1)[1]: int(v)
        for k, v in zip(keys, values, strict=True)
        if v is not None
    }


def recent_usage(client_ids: list[str], days: int = 7) -> dict[str, int]:
    """Requests over the last ``days`` UTC days per client, in one MGET (the registry page)."""
    from datetime import timedelta

    today = datetime.now(UTC).date()
    stamps = [(today - timedelta(days=i)).strftime("%Y%m%d") for i in range(days)]
    keys = [_usage_key(cid, day) for cid in client_ids for day in stamps]
    values = redis_client.conn.mget(keys) if keys else []
    out = dict.fromkeys(client_ids, 0)
    for i, value in enumerate(values):
        if value is not None:
            out[client_ids[i // days]] += int(value)
    return out


def limits_storage_uri(redis_url: str) -> str:
    """The `limits` package names a Redis socket `redis+unix://` (the embedded Redis is a socket)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url


def install(app: Flask, blp, storage_uri: str) -> Limiter:
    """One window per client over all its routes: Open311 routes per key (or address), every other
    route per registry service account (flask-limiter's application limit, exempt for any other
    caller). X-RateLimit-* headers, 429 with Retry-After.
    """
    limiter = Limiter(
        key_func=client_key,
        application_limits=[client_limit],
        application_limits_exempt_when=_not_a_service_account,
        storage_uri=limits_storage_uri(storage_uri),
        headers_enabled=True,
        strategy="fixed-window",
        key_prefix="open311-rl",
        swallow_errors=True,  # Redis down: serve unlimited rather than 500
    )
    limiter.shared_limit(client_limit, scope="open311", key_func=client_key)(blp)
    limiter.init_app(app)
    app.before_request(count_use)  # after the limiter's own before_request
    return limiter
