"""The city supervisor's dashboard ``/desk/<tenant>/dashboard`` (市级监督看板): the province's KPIs
for one city by category and lead department, orders by district, and the city's supervisions.

It lives in the desk, so the tenant binding of the area (``enter_tenant``: 403 for another city)
keeps a city supervisor to their own city; the figures come from the same KPI service as
``/api/v1/tenants/<tenant>/kpis`` (province rollups, PII-free).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template, request
from sqlalchemy import func, select, text

from app.auth.policy import require
from app.province import kpis
from app.province.measures import KPIS
from app.province.models import OPEN_SQL, OrderFact, SupervisionFact
from tenants import current_tenant, db

from .names import reference_names
from .province import SH, _invalid, chosen_measure, period


def register(blp) -> None:
    @blp.get("/<string:tenant>/dashboard")
    def dashboard():
        from flask import g

        require(g.web_principal, "kpis.read")
        ref = current_tenant()
        day_from, day_to = period()
        by = request.args.get("by") or "category"
        if by not in ("category", "department"):
            raise _invalid("by is category or department")
        measure = chosen_measure()
        result = kpis.compute(day_from, day_to, by, tenant_id=ref.id)
        names = reference_names()
        groups = [
            {**grp, "name": names[by].get(grp["key"] or "", grp["key"] or "—")} for grp in result["groups"]
        ]
        districts = _districts(ref.id, day_from, day_to, names["district"])
        return render_template(
            "desk/dashboard.html",
            day_from=day_from,
            day_to=day_to,
            by=by,
            kpis=KPIS,
            total=result["total"],
            groups=groups,
            measure=measure,
            districts=districts,
            charts=_charts(groups, districts, kpis.trend(day_from, day_to, tenant_id=ref.id), measure),
            supervisions=_supervisions(ref.id),
            tz=SH,
        )


def _charts(groups: list[dict], districts: list[dict], days: list[dict], measure: str) -> dict:
    """What city.js draws (the same figures as the tables beside the charts)."""
    kpi = next(k for k in KPIS if k.id == measure)
    top = sorted(groups, key=lambda g: -g["received"])[:15]
    return {
        "label": str(kpi.zh),
        "rate": not kpi.average,
        "groups": [
            {"name": g["name"], "received": g["received"], "value": g["kpis"][measure]["value"]} for g in top
        ],
        "districts": districts,
        "trend": [
            {"x": d["day"].isoformat(), "received": d["received"], "value": d["kpis"][measure]["value"]}
            for d in days
        ],
    }


def _districts(tenant_id: int, day_from, day_to, names: dict[str, str]) -> list[dict]:
    """Orders received per district in the period, and how many are open and overdue now."""
    f = OrderFact
    overdue = func.count().filter(f.overdue_at.is_not(None), text("order_facts." + OPEN_SQL))
    stmt = (
        select(f.district_code, func.count().label("received"), overdue.label("overdue"))
        .where(
            f.tenant_id == tenant_id,
            f.created_at >= datetime.combine(day_from, time(), SH),
            f.created_at < datetime.combine(day_to + timedelta(days=1), time(), SH),
            f.status.not_in(("merged", "transferred")),
        )
        .group_by(f.district_code)
        .order_by(func.count().desc())
    )
    return [
        {
            "name": names.get(r.district_code or "", r.district_code or "—"),
            "received": r.received,
            "overdue": r.overdue,
        }
        for r in db.session.execute(stmt)
    ]


def _supervisions(tenant_id: int) -> list:
    stmt = (
        select(SupervisionFact)
        .where(SupervisionFact.tenant_id == tenant_id)
        .order_by(SupervisionFact.created_at.desc())
        .limit(50)
    )
    return list(db.session.scalars(stmt))
