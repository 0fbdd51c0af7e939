"""Per-tenant fan-out, the one way: which cities are active, and doing something for each.

Scheduler entries (outbox relay, audit sealing, the deadline sweep) and CLI loops all go
through here, so "every active city" means the same thing everywhere, and one city's failure
never starves the cities after it: every city is tried, then the failures are raised together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select

from .db import db
from .models import Tenant, TenantStatus


def active_tenants() -> list[str]:
    """Slugs of the active cities, in region-code order (one registry query)."""
    stmt = select(Tenant.slug).where(Tenant.status == TenantStatus.ACTIVE).order_by(Tenant.region_code)
    with db.engine.connect() as conn:
        return list(conn.scalars(stmt))


def for_each_tenant(fn: Callable[[str], object], slugs: Iterable[str] | None = None) -> int:
    """Call ``fn(slug)`` for every active city (or ``slugs``); returns how many returned a true value.

    ``fn`` enters the tenant itself if it needs to (usually it enqueues a job that does).
    """
    done, failures = 0, []
    for slug in active_tenants() if slugs is None else slugs:
        try:
            done += bool(fn(slug))
        except Exception as exc:
            exc.add_note(f"tenant {slug}")
            failures.append(exc)
    if failures:
        raise ExceptionGroup(f"{len(failures)} tenant(s) failed", failures)
    return done
