"""The provincial supervision desk (省级督办台): overdue, about-to-be-overdue and supervised orders
of every city, and opening a provincial supervision with a response deadline.

Opening one calls the API's service (``app.province.supervision.supervise``) inside the city's
tenant context, as ``POST /api/v1/province/supervisions`` does; the city sees it on the order in
``/desk/`` and answers it there; the province sees the answer time here (PII-free facts).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select, text

from app import paging
from app.auth.policy import require
from app.province import queries, supervision
from app.province.models import OPEN_SQL, OrderFact
from tenants import db, tenant_context
from tenants.models import Tenant

from .province import SH, _invalid, blp
from .province_drill import _city
from .signin import current_web_principal

LISTS = ("overdue", "due_soon", "supervised")
SOON = timedelta(hours=24)


def _due_soon():
    now = datetime.now(UTC)
    f = OrderFact
    return (
        select(f, Tenant.slug.label("tenant"))
        .join(Tenant, Tenant.id == f.tenant_id)
        .where(
            text("order_facts." + OPEN_SQL), f.overdue_at.is_(None), f.due_at > now, f.due_at <= now + SOON
        )
        .order_by(f.due_at, f.tenant_id, f.order_id)
    )


@blp.get("/supervision")
def supervision_desk():
    which = request.args.get("list") or "overdue"
    if which not in LISTS:
        raise _invalid(f"list is one of {', '.join(LISTS)}")
    window = paging.Window(page=1, page_size=100)
    if which == "supervised":
        rows = paging.page(queries.supervisions({}), window, rows=True)
    else:
        stmt = queries.orders({"overdue": True}) if which == "overdue" else _due_soon()
        rows = paging.page(stmt, window, rows=True)
    return render_template("province/supervision.html", which=which, rows=rows, window=window, tz=SH)


@blp.post("/orders/<city>/<number>/supervise")
def supervise(city: str, number: str):
    principal = current_web_principal()
    require(principal, "province.supervise")
    ref = _city(city)
    fact = db.session.scalar(
        select(OrderFact).where(OrderFact.tenant_id == ref.id, OrderFact.number == number)
    )
    if fact is None:
        from app.errors import NotFound

        raise NotFound(f"no order {number!r} in this city")
    note = (request.form.get("note") or "").strip()
    if not note or len(note) > 2000:
        raise _invalid("a supervision needs a note of at most 2000 characters")
    try:
        due = datetime.fromisoformat(request.form.get("response_due_at") or "")
    except ValueError as exc:
        raise _invalid("the response deadline is a date and time") from exc
    due = due.replace(tzinfo=SH) if due.tzinfo is None else due
    supervision.check_response_due(due)
    with tenant_context(ref.slug):  # the city's own transaction, as the API does
        supervision.supervise(principal, fact.order_id, note, due)
        db.session.commit()
    flash(_("Supervision opened; the city answers by %(due)s", due=due.strftime("%Y-%m-%d %H:%M")))
    return redirect(url_for(".order", city=ref.slug, number=number))
