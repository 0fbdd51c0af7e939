"""Drill-down of the provincial portal (逐级下钻): province -> city -> category or department ->
order list -> order, every step a GET whose filters and period stay in the URL (shareable links).

All figures come from the province layer (PII-free facts and rollups, app/province); the names of
categories, departments and districts are the city's reference data, read in its tenant context.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template, request, url_for
from sqlalchemy import select

from app import paging
from app.orders.workflow import OPEN_STATES
from app.province import exports as province_exports
from app.province import kpis, queries
from app.province.facts import FACT_COLUMNS
from app.province.measures import KPIS
from app.province.models import OrderFact, SupervisionFact
from tenants import db, tenant_context
from tenants.context import UnknownTenant, lookup

from .names import reference_names
from .province import SH, _invalid, blp, period

PAGE_SIZE = 50
BY = {"category": "category_code", "department": "lead_department"}


def _city(slug: str):
    try:
        return lookup(slug)
    except UnknownTenant as exc:
        raise _invalid(f"unknown city {slug!r}") from exc


def _names(slug: str) -> dict[str, dict[str, str]]:
    with tenant_context(slug):
        return reference_names()


def _span(values=None):
    day_from, day_to = period(values)
    return day_from, day_to, {"from": day_from.isoformat(), "to": day_to.isoformat()}


@blp.get("/city/<city>")
def city(city: str):
    ref = _city(city)
    day_from, day_to, span = _span()
    by = request.args.get("by") or "category"
    if by not in BY:
        raise _invalid("by is category or department")
    result = kpis.compute(day_from, day_to, by, tenant_id=ref.id)
    names = _names(city)[by]
    return render_template(
        "province/city.html",
        ref=ref,
        by=by,
        field=BY[by],
        span=span,
        kpis=KPIS,
        total=result["total"],
        groups=[
            {
                **g,
                "name": names.get(g["key"] or "", g["key"] or "—"),
                "url": g["key"] and url_for(".orders", city=ref.slug, **{BY[by]: g["key"]}, **span),
            }
            for g in result["groups"]
        ],
    )


def _filters(values=None) -> dict:
    """The order list's filters from the query string (the API's ProvinceOrderQuery fields)."""
    values = request.args if values is None else values
    day_from, day_to, span = _span(values)
    args: dict = {
        "created_from": datetime.combine(day_from, time(), SH),
        "created_to": datetime.combine(day_to + timedelta(days=1), time(), SH),
    }
    keep = dict(span)
    if values.get("city"):
        args["tenant"] = [_city(values["city"]).slug]
        keep["city"] = values["city"]
    for name in ("category_code", "lead_department", "status"):
        value = (values.get(name) or "").strip()
        if value:
            if len(value) > 40:
                raise _invalid(f"{name} is too long")
            args[name] = [value] if name == "status" else value
            keep[name] = value
    if values.get("overdue") == "1":
        args["overdue"] = True
        keep["overdue"] = "1"
    return {"args": args, "keep": keep}


@blp.get("/orders")
def orders():
    f = _filters()
    try:
        number = max(1, int(request.args.get("page") or 1))
    except ValueError as exc:
        raise _invalid("page is a number") from exc
    window = paging.Window(page=number, page_size=PAGE_SIZE)
    rows = paging.page(queries.orders(f["args"]), window, rows=True)
    names = _names(f["keep"]["city"]) if "city" in f["keep"] else None
    return render_template(
        "province/orders.html",
        rows=rows,
        window=window,
        keep=f["keep"],
        names=names,
        open_states=OPEN_STATES,
        sync_max=province_exports.SYNC_MAX_ROWS,
        tz=SH,
    )


@blp.get("/orders/<city>/<number>")
def order(city: str, number: str):
    ref = _city(city)
    fact = db.session.scalar(
        select(OrderFact).where(OrderFact.tenant_id == ref.id, OrderFact.number == number)
    )
    if fact is None:
        raise _invalid_404(number)
    supervisions = db.session.scalars(
        select(SupervisionFact)
        .where(SupervisionFact.tenant_id == ref.id, SupervisionFact.order_id == fact.order_id)
        .order_by(SupervisionFact.created_at)
    ).all()
    span = _span()[2]
    return render_template(
        "province/order.html",
        ref=ref,
        fact=fact,
        columns=FACT_COLUMNS,
        supervisions=supervisions,
        names=_names(city),
        span=span,
        overdue=fact.overdue_at is not None and fact.status in OPEN_STATES,
        open=fact.status in OPEN_STATES,
        tz=SH,
    )


def _invalid_404(number: str):
    from app.errors import NotFound

    return NotFound(f"no order {number!r} in this city")
