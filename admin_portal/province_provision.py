"""Provisioning a city from the provincial portal (province_admin): a form, a background run
whose page polls its step log (htmx), the outcome. The run and the job are
``app.tenancy.runs``; the form is validated by the API's ``TenantCreateSchema``.
"""

from __future__ import annotations

from datetime import datetime

from flask import g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.service import Actor
from app.auth.policy import require
from app.errors import DomainError
from app.tenancy import runs
from app.tenancy.schemas import TenantCreateSchema
from tenants import db
from tenants.models import Tenant

from . import forms
from .province import SH, blp

STEP_LABELS = {  # the provisioning steps registered by the app factory (docs/architecture.md §2)
    "audit-chain": _l("Audit chain started"),
    "reference-data": _l("Catalogue, departments, districts and dispatch rules seeded"),
    "sla-policies": _l("SLA policies copied from the provincial baseline"),
    "identity": _l("Sign-in group and users created"),
    "active": _l("City activated"),
}


def step_log(run) -> list[dict]:
    """The run's log for the page: local times, readable step names (the raw name kept)."""
    out = []
    for entry in run.log or []:
        step = entry.get("step", "")
        if step.startswith("migrating schema"):
            label = _l("Schema created and migrated")
        else:
            label = STEP_LABELS.get(step)
        out.append({"at": datetime.fromisoformat(entry["at"]).astimezone(SH), "step": step, "label": label})
    return out


def _actor() -> Actor:
    principal = g.web_principal
    return Actor(principal.username, ",".join(sorted(principal.roles)))


def tenants_page(errors=None, message=None, form=None, status=200):
    rows = db.session.scalars(select(Tenant).order_by(Tenant.id)).all()
    return (
        render_template(
            "province/admin_tenants.html",
            rows=rows,
            tz=SH,
            runs=runs.recent(),
            errors=errors or {},
            message=message,
            form=form or {},
        ),
        status,
    )


@blp.post("/admin/tenants/provision")
def provision_city():
    require(g.web_principal, "tenants.manage")
    body, errors = forms.load(TenantCreateSchema(), request.form)
    if errors:
        return tenants_page(errors, None, request.form, 422)
    try:
        run = runs.start(body, _actor())
    except DomainError as exc:
        return tenants_page(forms.errors_of(exc.errors), exc.message, request.form, exc.status)
    db.session.commit()
    return redirect(url_for(".provision_run", run_id=run.id))


@blp.get("/admin/provisioning/<int:run_id>")
def provision_run(run_id: int):
    require(g.web_principal, "tenants.read")
    run = runs.get(run_id)
    return render_template("province/provision_run.html", run=run, log=step_log(run), tz=SH)


@blp.get("/admin/provisioning/<int:run_id>/status")
def provision_status(run_id: int):
    """The polled fragment: it stops polling itself once the run has finished."""
    require(g.web_principal, "tenants.read")
    run = runs.get(run_id)
    return render_template("province/provision_status.html", run=run, log=step_log(run), tz=SH)
