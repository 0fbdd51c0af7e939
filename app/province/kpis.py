"""KPIs over the daily rollups: a month of the whole province reads a few hundred rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from tenants import db
from tenants.models import Tenant

from .measures import KPIS, MEASURES, TIME_BASIS, values
from .models import KpiDaily

GROUP_BY = ("tenant", "category", "department", "channel")


def _sums(row: Any) -> dict[str, float]:
    return {m: getattr(row, m) or 0 for m in MEASURES}


def compute(day_from: date, day_to: date, group_by: str | None = None, tenant_id: int | None = None) -> dict:
    """KPIs of orders received from ``day_from`` to ``day_to`` (local dates, inclusive).

    ``tenant_id`` restricts to one city (the per-city endpoint); every order contributes to
    exactly one key of each dimension, so the total is the sum of the groups.
    """
    dim = "total" if group_by in (None, "tenant") else group_by
    group_col = KpiDaily.tenant_id if group_by == "tenant" else KpiDaily.key
    stmt = (
        select(group_col.label("g"), *(func.sum(getattr(KpiDaily, m)).label(m) for m in MEASURES))
        .where(KpiDaily.dim == dim, KpiDaily.day >= day_from, KpiDaily.day <= day_to)
        .group_by(group_col)
        .order_by(group_col)
    )
    if tenant_id is not None:
        stmt = stmt.where(KpiDaily.tenant_id == tenant_id)
    rows = db.session.execute(stmt).all()
    total = dict.fromkeys(MEASURES, 0)
    groups = []
    names = _tenant_names() if group_by == "tenant" else {}
    for row in rows:
        sums = _sums(row)
        for m in MEASURES:
            total[m] += sums[m]
        if group_by is None:
            continue
        if group_by == "tenant":
            slug, name = names.get(row.g, (str(row.g), None))
            groups.append(
                {"key": slug, "name": name, "received": int(sums["received"]), "kpis": values(sums)}
            )
        else:
            groups.append(
                {"key": row.g or None, "name": None, "received": int(sums["received"]), "kpis": values(sums)}
            )
    return {
        "from": day_from,
        "to": day_to,
        "group_by": group_by,
        "time_basis": TIME_BASIS,
        "total": {"key": None, "name": None, "received": int(total["received"]), "kpis": values(total)},
        "groups": groups,
    }


def _tenant_names() -> dict[int, tuple[str, str]]:
    rows = db.session.execute(select(Tenant.id, Tenant.slug, Tenant.name))
    return {r.id: (r.slug, r.name) for r in rows}


def kpi_ids() -> list[str]:
    return [k.id for k in KPIS]
