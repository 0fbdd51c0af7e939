"""The provincial portal ``/province/`` (省级门户): the province dashboard.

Province supervisors and admins see every city's KPIs (考核指标) for a period, a trend by day or
week and the map of Hebei's 11 cities coloured by one KPI. The figures come from the same
service as ``/api/v1/province/kpis`` (app/province/kpis.py), so page and API cannot disagree;
the province layer holds no caller data, so nothing here can show a phone or a name.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l

from app.auth.policy import allowed
from app.demo.province import cities
from app.errors import DomainError
from app.province import kpis
from app.province.measures import KPIS, MEASURES, TIME_BASIS, values

from . import kb_editor, kb_pages
from .navigation import Group, Link, build
from .web import area_blueprint

blp = area_blueprint("province_portal", __name__, "/province", "web.province")
SH = ZoneInfo("Asia/Shanghai")
MAX_DAYS = 366
KPI_IDS = tuple(k.id for k in KPIS)


def _invalid(message: str) -> DomainError:
    return DomainError(message, status=422)


NAV = (
    Group(
        _l("Province"),
        (
            Link(_l("Province dashboard"), "province_portal.home", permission="province.read"),
            Link(_l("Supervision desk"), "province_portal.supervision_desk", permission="province.read"),
            Link(_l("Transfers"), "province_portal.transfer_list", permission="province.read"),
            Link(_l("My exports"), "province_portal.export_list", permission="province.read"),
        ),
    ),
    kb_pages.nav_group("province_portal", review="kb.review_province"),
    Group(
        _l("Administration"),
        (
            Link(_l("Cities"), "province_portal.admin_tenants", permission="tenants.read"),
            Link(_l("Province calendar"), "province_portal.calendar_page", permission="calendar.read"),
            Link(_l("SLA policies"), "province_portal.sla_overview", permission="tenants.read"),
            Link(_l("Dead letters"), "province_portal.dead_letters", permission="outbox.manage"),
            Link(_l("Third-party clients"), "province_portal.clients_page", permission="clients.read"),
            Link(_l("Webhooks"), "province_portal.webhooks_page", permission="webhooks.read"),
        ),
    ),
)


@blp.context_processor
def _area():
    from flask import g

    principal = g.get("web_principal")
    # a city user refused at the door gets the 403 page without the province's navigation
    nav = build(NAV, principal) if principal is not None and allowed(principal, "web.province") else None
    return {"area_title": _l("Provincial portal"), "nav": nav}


@blp.before_request
def _knowledge_only():
    """The province base's kb_editor works in the knowledge pages only (docs/knowledge.md)."""
    from flask import g, redirect, url_for

    from app.auth.policy import allowed
    from app.errors import Forbidden

    principal = g.get("web_principal")
    if principal is None or allowed(principal, "province.read"):
        return None
    endpoint = request.endpoint or ""
    if principal.tenant:  # a city's editor: its desk, not the province base
        raise Forbidden("city editors work in their city's desk")
    if endpoint == "province_portal.home":
        return redirect(url_for("province_portal.kb_manage"))
    if not endpoint.startswith("province_portal.kb_"):
        raise Forbidden("your role works in the knowledge base only")
    return None


def period(values=None) -> tuple[date, date]:
    """``from``/``to`` of the query (local dates, inclusive); the last 30 days by default."""
    values = request.args if values is None else values
    today = datetime.now(SH).date()
    try:
        day_to = date.fromisoformat(values["to"]) if values.get("to") else today
        day_from = date.fromisoformat(values["from"]) if values.get("from") else day_to - timedelta(days=29)
    except ValueError as exc:
        raise _invalid("from and to are dates like 2025-03-01") from exc
    if day_from > day_to:
        raise _invalid("from is after to")
    if (day_to - day_from).days >= MAX_DAYS:
        raise _invalid(f"a period is at most {MAX_DAYS} days")
    return day_from, day_to


def chosen_measure() -> str:
    measure = request.args.get("measure") or "on_time_completion"
    if measure not in KPI_IDS:
        raise _invalid(f"measure is one of {', '.join(KPI_IDS)}")
    return measure


def city_rows(result: dict) -> list[dict]:
    """All 11 cities of Hebei in the demo data's order; a city not on the platform has no figures."""
    by_slug = {g["key"]: g for g in result["groups"]}
    rows = []
    for c in cities():
        group = by_slug.pop(c["slug"], None)
        rows.append({"slug": c["slug"], "name": c["name"], "group": group})
    rows += [{"slug": k, "name": g["name"] or k, "group": g} for k, g in by_slug.items()]
    return rows


def kpi_cells(group: dict) -> list[tuple[str, str, str]]:
    """(KPI id, shown value, numerator / denominator) of one table row, formatted once here.

    Formatting in Python rather than in the template keeps the page close to the KPI API's cost
    (bench/province_web.py).
    """
    out = []
    for k in KPIS:
        cell = group["kpis"][k.id]
        v = cell["value"]
        text = "–" if v is None else f"{v:.2f}" if k.average else f"{v * 100:.2f}%"
        out.append((k.id, text, f"{cell['numerator']} / {cell['denominator']}"))
    return out


@blp.get("/")
def home():
    day_from, day_to = period()
    measure = chosen_measure()
    result = kpis.compute(day_from, day_to, "tenant")
    return render_template(
        "province/index.html",
        day_from=day_from,
        day_to=day_to,
        measure=measure,
        kpis=KPIS,
        time_basis=TIME_BASIS,
        total=result["total"],
        rows=city_rows(result),
        kpi_cells=kpi_cells,
    )


@blp.get("/dashboard.json")
def dashboard_data():
    """The chart data of the dashboard (map values per city, the trend), read by province.js."""
    day_from, day_to = period()
    measure = chosen_measure()
    by = request.args.get("by") or "day"
    if by not in ("day", "week"):
        raise _invalid("by is day or week")
    result, days = kpis.by_tenant_with_trend(day_from, day_to)
    mapped = [
        {
            "name": r["name"],
            "slug": r["slug"],
            "value": (r["group"] or {}).get("kpis", {}).get(measure, {}).get("value"),
        }
        for r in city_rows(result)
    ]
    return jsonify(
        {
            "from": day_from.isoformat(),
            "to": day_to.isoformat(),
            "measure": measure,
            "label": next(str(k.zh) for k in KPIS if k.id == measure),
            "rate": not next(k.average for k in KPIS if k.id == measure),
            "map": mapped,
            "trend": _trend(days, measure, by),
        }
    )


def _trend(days: list[dict], measure: str, by: str) -> list[dict]:
    """The KPI per day, or per ISO week (the week's sums, then the ratio: not a mean of days)."""
    if by == "day":
        return [
            {"x": d["day"].isoformat(), "received": d["received"], "value": d["kpis"][measure]["value"]}
            for d in days
        ]
    weeks: dict[str, dict] = {}
    for d in days:
        monday = d["day"] - timedelta(days=d["day"].weekday())
        sums = weeks.setdefault(monday.isoformat(), dict.fromkeys(MEASURES, 0))
        for m in MEASURES:
            sums[m] += d["sums"][m]
    return [
        {"x": k, "received": int(s["received"]), "value": values(s)[measure]["value"]}
        for k, s in sorted(weeks.items())
    ]


kb_editor.register(blp, prefix="")
blp.add_url_rule("/kb/a/<string:scope>/<int:article_id>", "kb_article", kb_pages.article_page)
blp.add_url_rule("/kb", "kb_search", kb_pages.search_page)  # the province base alone
# the drill-down and supervision pages add their routes to ``blp`` (before it is registered)
from . import (  # noqa: E402, F401
    province_admin,
    province_calendar,
    province_clients,
    province_drill,
    province_export,
    province_provision,
    province_supervision,
    province_transfers,
)
