"""Provisioning a city from the provincial portal (province_admin): a form, a background run
whose page polls its step log (htmx), the outcome. The run and the job are
``app.tenancy.runs``; the form is validated by the API's ``TenantCreateSchema``.
"""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
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
    return render_template("province/provision_run.html", run=runs.get(run_id), tz=SH)


@blp.get("/admin/provisioning/<int:run_id>/status")
def provision_status(run_id: int):
    """The polled fragment: it stops polling itself once the run has finished."""
    require(g.web_principal, "tenants.read")
    return render_template("province/provision_status.html", run=runs.get(run_id), tz=SH)
