"""``tenant_context``: the one way code enters a tenant (requests, CLI, jobs)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from sqlalchemy import select

from .db import NoTenantBound, db
from .models import Tenant, TenantStatus
from .naming import validate_slug


class UnknownTenant(LookupError):
    """No tenant with that slug (or it is not in a usable state)."""

    def __init__(self, slug: str, reason: str = "not found"):
        super().__init__(f"unknown tenant {slug!r}: {reason}")
        self.slug = slug


@dataclass(frozen=True)
class TenantRef:
    """What a unit of work needs to know about its tenant; read from the registry."""

    id: int
    slug: str
    name: str
    region_code: str
    schema: str
    order_prefix: str
    status: str

    @classmethod
    def from_row(cls, row: Tenant | Any) -> TenantRef:
        return cls(
            id=row.id,
            slug=row.slug,
            name=row.name,
            region_code=row.region_code,
            schema=row.schema_name,
            order_prefix=row.order_prefix,
            status=row.status,
        )


_current: ContextVar[TenantRef | None] = ContextVar("current_tenant", default=None)

# Short-lived registry cache: one registry read per few seconds per process, not per request.
_CACHE_TTL = 5.0
_cache: TTLCache[str, TenantRef] = TTLCache(maxsize=4096, ttl=_CACHE_TTL)
_cache_lock = threading.Lock()  # cachetools caches are not thread-safe


def invalidate(slug: str | None = None) -> None:
    with _cache_lock:
        if slug is None:
            _cache.clear()
        else:
            _cache.pop(slug, None)


def lookup(slug: str, *, fresh: bool = False) -> TenantRef:
    """Registry lookup by slug; raises UnknownTenant (also for malformed slugs)."""
    try:
        validate_slug(slug)
    except ValueError as exc:
        raise UnknownTenant(str(slug), "malformed slug") from exc
    if not fresh:
        with _cache_lock:
            hit = _cache.get(slug)
        if hit is not None:
            return hit
    with db.engine.connect() as conn:
        row = conn.execute(select(Tenant.__table__).where(Tenant.slug == slug)).first()
    if row is None:
        invalidate(slug)
        raise UnknownTenant(slug)
    ref = TenantRef.from_row(row)
    with _cache_lock:
        _cache[slug] = ref
    return ref


def current_tenant_or_none() -> TenantRef | None:
    return _current.get()


def current_tenant() -> TenantRef:
    ref = _current.get()
    if ref is None:
        raise NoTenantBound("no tenant bound to this unit of work")
    return ref


def bind_tenant(ref: TenantRef) -> Token:
    """Low-level bind for request hooks; pair with ``unbind_tenant``.

    Sessions are keyed by schema, so a session opened before binding keeps its own schema.
    """
    return _current.set(ref)


def unbind_tenant(token: Token) -> None:
    _current.reset(token)


@contextmanager
def tenant_context(
    tenant: str | TenantRef, *, statuses: tuple[str, ...] = (TenantStatus.ACTIVE,)
) -> Iterator[TenantRef]:
    """Bind a tenant for the enclosed work; sessions opened inside use its schema.

    Any unit of work opened inside is closed on exit (commit first if you mean it).
    """
    ref = tenant if isinstance(tenant, TenantRef) else lookup(tenant, fresh=True)
    if ref.status not in statuses:
        raise UnknownTenant(ref.slug, f"status is {ref.status}")
    outer_sessions = db._sessions.get()
    db._sessions.set(None)
    token = _current.set(ref)
    try:
        yield ref
    finally:
        db.remove()
        _current.reset(token)
        db._sessions.set(outer_sessions)
