"""Per-client rate limits on Open311 (flask-limiter on Redis) and per-client usage counts.

The limit is keyed by the client an ``api_key`` belongs to, so one noisy app never slows
another app of the same city; callers without a key share a per-address limit.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from sqlalchemy import select

from tenants import db

from ..extensions import redis_client
from .keys import _hash
from .models import ApiClient

ANONYMOUS_LIMIT = "60/minute"  # per address, without api_key; app config OPEN311_ANONYMOUS_LIMIT
USAGE_DAYS = 35  # usage counters expire after this


def _client() -> ApiClient | None:
    if "open311_client" not in g:
        key = request.values.get("api_key")
        g.open311_client = (
            db.session.scalars(
                select(ApiClient).where(ApiClient.key_hash == _hash(key), ApiClient.revoked_at.is_(None))
            ).first()
            if key
            else None
        )
    return g.open311_client


def client_key() -> str:
    client = _client()
    return f"client:{client.client_id}" if client else f"addr:{request.remote_addr}"


def client_limit() -> str:
    client = _client()
    return client.rate_limit if client else current_app.config.get("OPEN311_ANONYMOUS_LIMIT", ANONYMOUS_LIMIT)


def _usage_key(client_id: str, day: str) -> str:
    return f"open311:usage:{client_id}:{day}"


def count_use() -> None:
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


def limits_storage_uri(redis_url: str) -> str:
    """The `limits` package names a Redis socket `redis+unix://` (the embedded Redis is a socket)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url


def install(app: Flask, blp, storage_uri: str) -> Limiter:
    """Limit every Open311 route per client; X-RateLimit-* headers, 429 with Retry-After."""
    limiter = Limiter(
        key_func=client_key,
        storage_uri=limits_storage_uri(storage_uri),
        headers_enabled=True,
        strategy="fixed-window",
        key_prefix="open311-rl",
        swallow_errors=True,  # Redis down: serve unlimited rather than 500
    )
    limiter.limit(client_limit, key_func=client_key)(blp)
    blp.before_request(count_use)
    limiter.init_app(app)
    return limiter
