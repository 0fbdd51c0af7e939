"""Validity (有效期): the daily job unpublishes articles past ``valid_to`` and tells each issuing
unit, once per expiry date, which of its articles run out within ``WARN_DAYS``; stale reports
per issuing unit and per city (docs/knowledge.md, "Validity").

A city's notices go out as ``kb.articles_expiring`` webhook events to the subscriptions that
want them (a department's own system), and the department web lists the same articles for the
department's handlers (``owned_by``). Province units have no delivery line yet: their notices
are recorded on the articles and shown in the province portal's report. The job commits; one
pass for the province base, one per active city.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, or_, select

from tenants import current_tenant, db, tenant_context

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


def _expiring(model, today: date, days: int):
    return (
        (model.state == "published")
        & (model.valid_to >= today)
        & (model.valid_to <= today + timedelta(days=days))
    )


@dataclass(frozen=True)
class Notice:
    """What one issuing unit is told: its articles that run out within the warning days."""

    issuing_unit: str
    articles: tuple[tuple[int, str, date], ...]  # (id, title, valid_to), soonest first

    def data(self, scope: str, days: int) -> dict:
        return {
            "scope": scope,
            "issuing_unit": self.issuing_unit,
            "days": days,
            "articles": [{"id": i, "title": t, "valid_to": v.isoformat()} for i, t, v in self.articles],
        }


def due_notices(model, today: date, days: int = WARN_DAYS) -> list[Notice]:
    """Articles running out within ``days`` whose unit was not told of this expiry date yet,
    by issuing unit; marks them told (flush only: the caller's commit sends and marks at once)."""
    rows = list(
        db.session.scalars(
            select(model)
            .where(
                _expiring(model, today, days),
                or_(model.expiry_notice_for.is_(None), model.expiry_notice_for != model.valid_to),
            )
            .order_by(model.issuing_unit, model.valid_to, model.id)
        )
    )
    by_unit: dict[str, list] = {}
    for row in rows:
        row.expiry_notice_for = row.valid_to
        by_unit.setdefault(row.issuing_unit, []).append((row.id, row.title, row.valid_to))
    db.session.flush()
    return [Notice(unit, tuple(items)) for unit, items in by_unit.items()]


def _event_id(scope: str, notice: Notice, today: date) -> str:
    digest = hashlib.sha256(notice.issuing_unit.encode()).hexdigest()[:12]
    return f"evt:{scope}:kb-expiring:{today.isoformat()}:{digest}"


def notify_city(today: date, days: int = WARN_DAYS) -> int:
    """This city's due notices as webhook events (same transaction); returns units told."""
    from ..webhooks import service as webhooks

    notices = due_notices(CityArticle, today, days)
    slug = current_tenant().slug
    for notice in notices:
        data = notice.data("city", days)
        webhooks.publish_event(_event_id(slug, notice, today), webhooks.KB_EXPIRING, lambda d=data: d)
    return len(notices)


def stale_report(model, today: date, days: int = WARN_DAYS) -> list[dict]:
    """Per issuing unit: published, expiring within ``days``, expired."""
    stmt = (
        select(
            model.issuing_unit,
            func.count().filter(model.state == "published"),
            func.count().filter(_expiring(model, today, days)),
            func.count().filter(model.state == "expired"),
        )
        .group_by(model.issuing_unit)
        .order_by(model.issuing_unit)
    )
    keys = ("issuing_unit", "published", "expiring", "expired")
    return [dict(zip(keys, row, strict=True)) for row in db.session.execute(stmt)]


def expiring_count(model, today: date, days: int = WARN_DAYS) -> int:
    """Published articles of this level that run out within ``days`` (the editors' reminder)."""
    return db.session.scalar(select(func.count()).where(_expiring(model, today, days))) or 0


def city_totals(today: date, days: int = WARN_DAYS) -> dict:
    """This city's own articles: published, expiring, expired (a row of the province report)."""
    rows = stale_report(CityArticle, today, days)
    totals = {k: sum(r[k] for r in rows) for k in ("published", "expiring", "expired")}
    return {"tenant": current_tenant().slug, "name": current_tenant().name, **totals}


def province_report(today: date, days: int = WARN_DAYS) -> dict:
    """The province base per issuing unit, and every active city's own articles in totals."""
    from tenants.fanout import for_each_tenant

    cities: list[dict] = []

    def one(slug: str) -> bool:
        with tenant_context(slug):
            cities.append(city_totals(today, days))
        return True

    for_each_tenant(one)
    return {"days": days, "units": stale_report(ProvinceArticle, today, days), "cities": cities}


def unit_names(department, city_name: str) -> set[str]:
    """The issuing-unit names a department's articles carry: its name and short name, and the
    name with the city's in front (市住建局 of 石家庄市 issues as 石家庄市住房和城乡建设局)."""
    names = {n for n in (department.name, department.short_name) if n}
    if department.name.startswith("市") and city_name.endswith("市"):
        names.add(city_name + department.name[1:])
    elif not department.name.startswith(city_name):
        names.add(city_name + department.name)
    return names


def owned_by(department, today: date, days: int = WARN_DAYS) -> list[CityArticle]:
    """The city articles of ``department`` that are expired or run out within ``days``."""
    names = unit_names(department, current_tenant().name)
    stmt = (
        select(CityArticle)
        .where(
            CityArticle.issuing_unit.in_(sorted(names)),
            (CityArticle.state == "expired") | _expiring(CityArticle, today, days),
        )
        .order_by(CityArticle.valid_to, CityArticle.id)
    )
    return list(db.session.scalars(stmt))


def run_daily(today: date | None = None) -> int:
    """Scheduler entry: the province base, then every active city; returns articles expired."""
    from tenants.fanout import for_each_tenant

    today = today or date.today()
    total = len(expire_due(ProvinceArticle, today))
    for notice in due_notices(ProvinceArticle, today):
        log.info(
            "kb articles of %s expire within %d days: %s", notice.issuing_unit, WARN_DAYS, notice.articles
        )
    db.session.commit()

    def one(slug: str) -> bool:
        nonlocal total
        with tenant_context(slug):
            total += len(expire_due(CityArticle, today))
            notify_city(today)
            db.session.commit()
        return True

    for_each_tenant(one)
    return total
