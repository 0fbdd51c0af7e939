"""The city supervisor's dashboard ``/desk/<tenant>/dashboard`` (市级监督看板): the province's KPIs
for one city by category and lead department, orders by district, and the city's supervisions.

It lives in the desk, so the tenant binding of the area (``enter_tenant``: 403 for another city)
keeps a city supervisor to their own city; the figures come from the same KPI service as
``/api/v1/tenants/<tenant>/kpis`` (province rollups, PII-free).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Response, render_template, request
from sqlalchemy import func, select, text

from app.auth.policy import require
from app.exports import formats
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
        by = _by()
        measure = chosen_measure()
        names = reference_names()
        total, groups = _kpi_groups(ref.id, day_from, day_to, by, names)
        districts = _districts(ref.id, day_from, day_to, names["district"])
        return render_template(
            "desk/dashboard.html",
            day_from=day_from,
            day_to=day_to,
            by=by,
            kpis=KPIS,
            total=total,
            groups=groups,
            measure=measure,
            districts=districts,
            charts=_charts(groups, districts, kpis.trend(day_from, day_to, tenant_id=ref.id), measure),
            supervisions=_supervisions(ref.id),
            tz=SH,
        )

    @blp.get("/<string:tenant>/dashboard/export.<fmt>")
    def dashboard_export(fmt: str):
        """The dashboard's tables as CSV or Excel (PII-free like the page: province rollups)."""
        from flask import g

        require(g.web_principal, "kpis.read")
        table = request.args.get("table") or "kpis"
        if table not in ("kpis", "districts") or fmt not in formats.FORMATS:
            raise _invalid("table is kpis or districts, format csv or xlsx")
        ref = current_tenant()
        day_from, day_to = period()
        names = reference_names()
        if table == "kpis":
            by = _by()
            total, groups = _kpi_groups(ref.id, day_from, day_to, by, names)
            head = [by, "received", *(f"{k.id} {k.zh}" for k in KPIS)]
            rows = [
                [grp["name"], grp["received"], *(grp["kpis"][k.id]["value"] for k in KPIS)]
                for grp in [*groups, {**total, "name": "全市"}]
            ]
        else:
            head = ["district", "received", "overdue"]
            rows = [
                [d["name"], d["received"], d["overdue"]]
                for d in _districts(ref.id, day_from, day_to, names["district"])
            ]
        name = f"{ref.slug}-{table}"
        return Response(
            formats.write(fmt, table, head, rows),
            mimetype=formats.FORMATS[fmt].split(";")[0],
            headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
        )


def _by() -> str:
    by = request.args.get("by") or "category"
    if by not in ("category", "department"):
        raise _invalid("by is category or department")
    return by


def _kpi_groups(tenant_id: int, day_from, day_to, by: str, names: dict) -> tuple[dict, list[dict]]:
    """The city's KPI total and its groups by category or lead department, with display names."""
    result = kpis.compute(day_from, day_to, by, tenant_id=tenant_id)
    groups = [{**grp, "name": names[by].get(grp["key"] or "", grp["key"] or "—")} for grp in result["groups"]]
    return result["total"], groups


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
