"""A short-lived per-process memo of small per-tenant lookups (category, department, SLA limits).

Intake asks the same few reference questions thousands of times a minute; a few seconds of
memory saves a query each. Writes in this process drop the tenant's scope at once; other
processes see a change within ``TTL`` seconds, like the tenant registry cache. Values must be
plain data (never ORM objects, which belong to one session). One ``cachetools.TTLCache`` per
(tenant schema, scope), so dropping a scope is dropping its cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from cachetools import TTLCache

from tenants import current_tenant

TTL = 5.0
MAX_ENTRIES = 4096  # per tenant and scope
T = TypeVar("T")

_caches: dict[tuple[str, str], TTLCache] = {}
_lock = threading.Lock()  # cachetools caches are not thread-safe (gthread workers share them)
_MISSING = object()


def memo(scope: str, key: Hashable, load: Callable[[], T]) -> T:
    """``load()``, remembered for ``TTL`` seconds per bound tenant, ``scope`` and ``key``."""
    where = (current_tenant().schema, scope)
    with _lock:
        cache = _caches.get(where)
        if cache is None:
            cache = _caches[where] = TTLCache(MAX_ENTRIES, TTL)
        value = cache.get(key, _MISSING)
    if value is not _MISSING:
        return value  # type: ignore[return-value]
    value = load()
    with _lock:
        cache[key] = value
    return value


def forget(scope: str, schema: str | None = None) -> None:
    """Drop the entries of ``scope`` of the bound tenant (or ``schema``); call after a write."""
    with _lock:
        _caches.pop((schema or current_tenant().schema, scope), None)
