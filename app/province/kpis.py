"""KPIs over the daily rollups (plus unfolded deltas): a month of the province reads a few hundred rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, union_all

from tenants import db
from tenants.models import Tenant

from .measures import MEASURES, TIME_BASIS, values
from .models import KpiDaily, KpiDelta

GROUP_BY = ("tenant", "category", "department", "channel")


def _sums(row: Any) -> dict[str, float]:
    return {m: getattr(row, m) or 0 for m in MEASURES}


def compute(day_from: date, day_to: date, group_by: str | None = None, tenant_id: int | None = None) -> dict:
    """KPIs of orders received from ``day_from`` to ``day_to`` (local dates, inclusive).

    ``tenant_id`` restricts to one city (the per-city endpoint); every order contributes to
    exactly one key of each dimension, so the total is the sum of the groups.
    """
    dim = "total" if group_by in (None, "tenant") else group_by
    cells = _cells(dim, day_from, day_to, tenant_id)
    group_col = cells.c.tenant_id if group_by == "tenant" else cells.c.key
    stmt = (
        select(group_col.label("g"), *(func.sum(cells.c[m]).label(m) for m in MEASURES))
        .group_by(group_col)
        .order_by(group_col)
    )
    rows = db.session.execute(stmt).all()
    return _result(day_from, day_to, group_by, [(row.g, _sums(row)) for row in rows])


def _result(day_from: date, day_to: date, group_by: str | None, grouped: list[tuple[Any, dict]]) -> dict:
    """The KPI answer from summed measures per group key (the total is the sum of the groups)."""
    total = dict.fromkeys(MEASURES, 0)
    groups = []
    names = _tenant_names() if group_by == "tenant" else {}
    for key, sums in grouped:
        for m in MEASURES:
            total[m] += sums[m]
        if group_by is None:
            continue
        if group_by == "tenant":
            key, name = names.get(key, (str(key), None))
        else:
            key, name = key or None, None
        groups.append({"key": key, "name": name, "received": int(sums["received"]), "kpis": values(sums)})
    return {
        "from": day_from,
        "to": day_to,
        "group_by": group_by,
        "time_basis": TIME_BASIS,
        "total": {"key": None, "name": None, "received": int(total["received"]), "kpis": values(total)},
        "groups": groups,
    }


def _cells(dim: str, day_from: date, day_to: date, tenant_id: int | None):
    """The folded rollups plus the deltas not folded yet, for one dimension and range."""
    parts = []
    for model in (KpiDaily, KpiDelta):
        part = select(model.tenant_id, model.key, *(getattr(model, m) for m in MEASURES)).where(
            model.dim == dim, model.day >= day_from, model.day <= day_to
        )
        if tenant_id is not None:
            part = part.where(model.tenant_id == tenant_id)
        parts.append(part)
    return union_all(*parts).subquery("cells")


def _tenant_names() -> dict[int, tuple[str, str]]:
    rows = db.session.execute(select(Tenant.id, Tenant.slug, Tenant.name))
    return {r.id: (r.slug, r.name) for r in rows}


def trend(day_from: date, day_to: date, tenant_id: int | None = None) -> list[dict]:
    """Per receipt day: the summed measures and KPI values (the dashboard's trend chart)."""
    cells = _cells_by_day(day_from, day_to, tenant_id)
    stmt = (
        select(cells.c.day, *(func.sum(cells.c[m]).label(m) for m in MEASURES))
        .group_by(cells.c.day)
        .order_by(cells.c.day)
    )
    return [_day(r.day, _sums(r)) for r in db.session.execute(stmt)]


def by_tenant_with_trend(day_from: date, day_to: date) -> tuple[dict, list[dict]]:
    """``compute(..., "tenant")`` and ``trend(...)`` in one statement (the dashboard's chart data).

    ``GROUPING SETS ((tenant_id), (day))``: PostgreSQL sums once per city and once per day over
    the same cells; a row with no day is a city's, a row with no city a day's.
    """
    cells = _cells_by_day(day_from, day_to, None)
    stmt = select(
        cells.c.tenant_id, cells.c.day, *(func.sum(cells.c[m]).label(m) for m in MEASURES)
    ).group_by(func.grouping_sets(cells.c.tenant_id, cells.c.day))
    per_tenant, per_day = [], []
    for r in db.session.execute(stmt):
        (per_tenant if r.day is None else per_day).append(r)
    result = _result(day_from, day_to, "tenant", sorted((r.tenant_id, _sums(r)) for r in per_tenant))
    return result, [_day(r.day, _sums(r)) for r in sorted(per_day, key=lambda r: r.day)]


def _day(day: date, sums: dict) -> dict:
    return {"day": day, "received": int(sums["received"] or 0), "sums": sums, "kpis": values(sums)}


def _cells_by_day(day_from: date, day_to: date, tenant_id: int | None):
    parts = []
    for model in (KpiDaily, KpiDelta):
        part = select(model.tenant_id, model.day, *(getattr(model, m) for m in MEASURES)).where(
            model.dim == "total", model.day >= day_from, model.day <= day_to
        )
        if tenant_id is not None:
            part = part.where(model.tenant_id == tenant_id)
        parts.append(part)
    return union_all(*parts).subquery("cells")
