"""Job functions the suite enqueues to real workers."""

from __future__ import annotations

import os

from sqlalchemy import select

from tenants import current_tenant, db
from tenants.models import TenantSetting


def record_tenant(marker: str) -> str:
    """Write a marker into the bound tenant's settings table; return the tenant slug."""
    ref = current_tenant()
    db.session.add(TenantSetting(key=f"probe:{marker}", value={"tenant": ref.slug, "pid": os.getpid()}))
    return ref.slug


def read_marker(marker: str):
    return db.session.scalar(select(TenantSetting.value).where(TenantSetting.key == f"probe:{marker}"))


def fail_once(marker: str) -> str:
    """Fails on the first attempt (nothing committed), succeeds on the retry."""
    from app.extensions import redis_client

    if redis_client.conn.incr(f"test:fail_once:{marker}") == 1:
        db.session.add(TenantSetting(key=f"partial:{marker}", value={}))
        raise RuntimeError("first attempt fails")
    return record_tenant(marker)
