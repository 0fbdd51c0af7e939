"""The client registry in the provincial portal (province_admin; province_supervisor reads):
Open311 api keys and service accounts of every city, issued (the secret shown on this one page,
once), rotated and revoked through the services the API uses (``app.open311.registry``)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.auth.policy import require
from app.errors import DomainError
from app.open311 import ratelimit, registry
from app.open311.keys import OPEN311_SCOPES
from app.open311.models import ApiClient
from app.open311.schemas import ClientCreate
from app.open311.service_accounts import SERVICE_ACCOUNT, SERVICE_ROLES
from tenants import db
from tenants.models import Tenant, TenantStatus

from . import forms
from .province import SH, blp

USAGE_DAYS = 7
PAGE_ROWS = 500  # the registry is small (a few clients per city); newest first


def _page(*, issued=None, errors=None, message=None, form=None, status=200):
    rows = db.session.scalars(select(ApiClient).order_by(ApiClient.id.desc()).limit(PAGE_ROWS)).all()
    cities = db.session.scalars(
        select(Tenant).where(Tenant.status == TenantStatus.ACTIVE).order_by(Tenant.id)
    ).all()
    resp = render_template(
        "province/clients.html",
        rows=rows,
        usage=ratelimit.recent_usage([r.client_id for r in rows], USAGE_DAYS),
        usage_days=USAGE_DAYS,
        cities=cities,
        scopes=OPEN311_SCOPES,
        roles=SERVICE_ROLES,
        issued=issued,
        errors=errors or {},
        message=message,
        form=form if form is not None else MultiDict(),
        tz=SH,
    )
    headers = {"Cache-Control": "no-store"} if issued else {}  # a secret on the page: never cached
    return resp, status, headers


def _form_for_kind(form: MultiDict) -> MultiDict:
    """The fields of the chosen kind only: the page shows both kinds' fields side by side."""
    out = MultiDict(form)
    if out.get("kind") == SERVICE_ACCOUNT:
        out.poplist("scopes")
    else:
        out.poplist("role")
    return out


@blp.get("/admin/clients")
def clients_page():
    require(g.web_principal, "clients.read")
    return _page()


@blp.post("/admin/clients")
def issue_client():
    require(g.web_principal, "clients.manage")
    body, errors = forms.load(ClientCreate(), _form_for_kind(request.form))
    if errors:
        return _page(errors=errors, form=request.form, status=422)
    try:
        issued = registry.issue(body)
    except DomainError as exc:
        db.session.rollback()
        return _page(
            errors=forms.errors_of(exc.errors), message=exc.message, form=request.form, status=exc.status
        )
    db.session.commit()
    return _page(issued=issued, status=201)


@blp.post("/admin/clients/<client_id>/rotate")
def rotate_client(client_id: str):
    require(g.web_principal, "clients.manage")
    client = registry.find(client_id)
    try:
        issued = registry.rotate(client)
    except DomainError as exc:
        db.session.rollback()
        return _page(message=exc.message, status=exc.status)
    db.session.commit()
    return _page(issued=issued)


@blp.post("/admin/clients/<client_id>/revoke")
def revoke_client(client_id: str):
    require(g.web_principal, "clients.manage")
    client = registry.find(client_id)
    try:
        registry.revoke(client)
    except DomainError as exc:
        db.session.rollback()
        return _page(message=exc.message, status=exc.status)
    db.session.commit()
    flash(_("Client %(client)s revoked", client=client_id))
    return redirect(url_for(".clients_page"))
