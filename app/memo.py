"""A short-lived per-process memo of small per-tenant lookups (category, department, SLA limits).

Intake asks the same few reference questions thousands of times a minute; a few seconds of
memory saves a query each. Writes in this process drop the tenant's scope at once; other
processes see a change within ``TTL`` seconds, like the tenant registry cache. Values must be
plain data (never ORM objects, which belong to one session).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from tenants import current_tenant

TTL = 5.0
MAX_ENTRIES = 20_000
T = TypeVar("T")

_store: dict[tuple[str, str, Hashable], tuple[float, Any]] = {}


def memo(scope: str, key: Hashable, load: Callable[[], T]) -> T:
    full = (current_tenant().schema, scope, key)
    now = time.monotonic()
    hit = _store.get(full)
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    value = load()
    if len(_store) >= MAX_ENTRIES:
        _store.clear()
    _store[full] = (now, value)
    return value


def forget(scope: str) -> None:
    """Drop the bound tenant's entries of ``scope`` (call after a write)."""
    schema = current_tenant().schema
    for full in [k for k in _store if k[0] == schema and k[1] == scope]:
        _store.pop(full, None)
