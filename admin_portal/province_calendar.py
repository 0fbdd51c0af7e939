"""The province calendar (省级日历) and the SLA policies of every city, in the provincial portal.

Province admins enter next year's State Council schedule one holiday at a time (its days off and
its adjusted working days, 调休) and see, before saving, how a deadline moves: the due date of N
working days after a start instant in the province calendar as it is and as it would be
(``app.calendar.service.deadline_change``). Saving calls the API's ``put_entry`` for each day.
The SLA overview reads each city's own ``sla_policies`` in that city's tenant context.
See docs/portal.md (Administration).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.policy import require
from app.calendar import service as calendar
from app.calendar.arithmetic import NoWorkingDay
from app.calendar.resolver import library_covers
from app.calendar.schemas import HolidayScheduleSchema
from app.calendar.service import FIRST_YEAR, LAST_YEAR
from app.sla import service as sla
from app.sla.baseline import APPEAL_TYPES, BASELINE, URGENCIES
from tenants import db, tenant_context
from tenants.fanout import active_tenants
from tenants.models import Tenant

from . import forms
from .province import SH, _invalid, blp


def _year() -> int:
    raw = request.args.get("year") or request.form.get("year")
    if not raw:
        return datetime.now(SH).year + 1  # next year's schedule is what gets entered
    if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
        raise _invalid(f"year is from {FIRST_YEAR} to {LAST_YEAR}")
    return int(raw)


def _page(year: int, *, form=None, errors=None, message=None, preview=None, proposed=(), status=200):
    entries = db.session.scalars(calendar.entries_query(city=False, year=year)).all()
    return (
        render_template(
            "province/calendar.html",
            year=year,
            entries=entries,
            source=calendar.province_view().national_source(year),
            library=library_covers(year),
            form=form or {},
            errors=errors or {},
            message=message,
            preview=preview,
            proposed=proposed,
            tz=SH,
        ),
        status,
    )


@blp.get("/admin/calendar")
def calendar_page():
    require(g.web_principal, "calendar.read")
    return _page(_year())


@blp.post("/admin/calendar")
def calendar_post():
    """``action=preview`` (anyone who reads it) or ``action=save`` (province_admin)."""
    principal = g.web_principal
    saving = request.form.get("action") == "save"
    require(principal, "calendar.manage_province" if saving else "calendar.read")
    data, errors = forms.load(HolidayScheduleSchema(), request.form)
    year = _year()
    if errors:
        return _page(year, form=request.form, errors=errors, status=422)
    proposed = []
    if data.get("off_from"):
        proposed = calendar.schedule_entries(data["name"], data["off_from"], data["off_to"], data["workdays"])
        year = data["off_from"].year
    elif saving:
        return _page(year, form=request.form, errors={"off_from": [_("Enter a holiday to save")]}, status=422)
    start = data.get("start") or datetime.now(SH)
    try:
        preview = calendar.deadline_change(start, data["working_days"], proposed)
    except NoWorkingDay as exc:
        return _page(year, form=request.form, errors={"working_days": [str(exc)]}, status=422)
    message = None
    if saving:
        calendar.put_schedule(proposed, principal.username)
        db.session.commit()
        message = _("Saved %(n)s days of %(name)s", n=len(proposed), name=data["name"])
    return _page(year, form=request.form, preview=preview, proposed=proposed, message=message)


@blp.post("/admin/calendar/<day>/delete")
def calendar_delete(day: str):
    require(g.web_principal, "calendar.manage_province")
    try:
        parsed = date.fromisoformat(day)
    except ValueError as exc:
        raise _invalid("the day is a date like 2027-02-06") from exc
    calendar.delete_entry(city=False, day=parsed)
    db.session.commit()
    flash(_("Entry of %(day)s removed", day=parsed.isoformat()))
    return redirect(url_for(".calendar_page", year=parsed.year))


@blp.get("/admin/sla")
def sla_overview():
    """Every active city's time limits per appeal type and urgency, read in that city's context."""
    require(g.web_principal, "tenants.read")
    cities, policies = [], {}
    names = dict(db.session.execute(select(Tenant.slug, Tenant.name)).all())
    for slug in active_tenants():
        with tenant_context(slug):
            require(g.web_principal, "sla.read")
            for row in db.session.scalars(sla.policies_query()):
                policies[(row.appeal_type, row.urgency, slug)] = {
                    "unit": row.unit,
                    "accept": row.accept_limit,
                    "handle": row.handle_limit,
                    "return": row.return_limit,
                    "extension": row.extension_max_working_days,
                    "warn": row.warn_ratio,
                    "baseline": sla.is_baseline(row),
                    "updated_by": row.updated_by,
                }
        cities.append({"slug": slug, "name": names.get(slug, slug)})
    keys = [(t, u) for t in APPEAL_TYPES for u in URGENCIES]
    return render_template(
        "province/sla.html", cities=cities, keys=keys, policies=policies, baseline=BASELINE
    )
