"""Validity (有效期): the daily job unpublishes articles past ``valid_to`` and lists those that
run out within ``WARN_DAYS`` for their issuing unit; a stale report per issuing unit.

The job is a job, so it commits; one pass for the province base, one per active city.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from tenants import db, tenant_context

from .models import CityArticle, ProvinceArticle

log = logging.getLogger(__name__)
WARN_DAYS = 14
JOB_USER = "system:kb-validity"


def expire_due(model, today: date) -> list[int]:
    """Mark published articles whose ``valid_to`` has passed as expired (flush only)."""
    rows = list(db.session.scalars(select(model).where(model.state == "published", model.valid_to < today)))
    now = datetime.now(UTC)
    for row in rows:
        row.state, row.reviewed_by, row.review_reason, row.reviewed_at = (
            "expired",
            JOB_USER,
            "有效期届满",
            now,
        )
    db.session.flush()
    return [r.id for r in rows]


def expiring_soon(model, today: date, days: int = WARN_DAYS) -> dict[str, list[str]]:
    """Titles running out within ``days``, by issuing unit (to notify that unit)."""
    stmt = select(model.issuing_unit, model.title).where(
        model.state == "published", model.valid_to >= today, model.valid_to <= today + timedelta(days=days)
    )
    out: dict[str, list[str]] = {}
    for unit, title in db.session.execute(stmt.order_by(model.issuing_unit, model.title)):
        out.setdefault(unit, []).append(title)
    return out


def stale_report(model, today: date, days: int = WARN_DAYS) -> list[dict]:
    """Per issuing unit: published, expiring within ``days``, expired."""
    soon = (model.state == "published") & (model.valid_to <= today + timedelta(days=days))
    stmt = (
        select(
            model.issuing_unit,
            func.count().filter(model.state == "published"),
            func.count().filter(soon),
            func.count().filter(model.state == "expired"),
        )
        .group_by(model.issuing_unit)
        .order_by(model.issuing_unit)
    )
    keys = ("issuing_unit", "published", "expiring", "expired")
    return [dict(zip(keys, row, strict=True)) for row in db.session.execute(stmt)]


def run_daily(today: date | None = None) -> int:
    """Scheduler entry: the province base, then every active city; returns articles expired."""
    from tenants.fanout import for_each_tenant

    today = today or date.today()
    total = len(expire_due(ProvinceArticle, today))
    for unit, titles in expiring_soon(ProvinceArticle, today).items():
        log.info("kb articles of %s expire within %d days: %s", unit, WARN_DAYS, titles)
    db.session.commit()

    def one(slug: str) -> bool:
        nonlocal total
        with tenant_context(slug):
            total += len(expire_due(CityArticle, today))
            for unit, titles in expiring_soon(CityArticle, today).items():
                log.info("kb articles of %s in %s expire within %d days: %s", unit, slug, WARN_DAYS, titles)
            db.session.commit()
        return True

    for_each_tenant(one)
    return total
