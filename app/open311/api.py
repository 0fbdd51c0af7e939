"""GeoReport v2 routes: ``/open311/<tenant>/v2/`` and ``/open311/v2/?jurisdiction_id=<tenant>``.

A plain Flask blueprint: the spec fixes paths with a format suffix, form bodies, XML and its
own error list, none of which fit the JSON API's contract. The tenant is bound per request.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for

from tenants import db
from tenants.context import UnknownTenant, bind_tenant, lookup, unbind_tenant
from tenants.models import TenantStatus

from ..errors import DomainError
from . import keys, service
from .render import Open311Error, error, respond

blp = Blueprint("open311", __name__)
PREFIXES = ("/open311/<string:tenant>/v2", "/open311/v2")


def _route(rule: str, **options):
    def decorate(view):
        for prefix in PREFIXES:
            blp.add_url_rule(
                prefix + rule, view_func=view, endpoint=f"{view.__name__}{prefix.count('<')}", **options
            )
        return view

    return decorate


def _run(fmt: str, tenant: str | None, work) -> Any:
    """Validate the format, bind the city, run ``work``, map every failure to the spec's errors."""
    if fmt not in ("json", "xml"):
        return error("json", 400, f"format {fmt!r} is not supported (json, xml)")
    if any("\x00" in v for v in [*request.values.values(), *(request.view_args or {}).values()]):
        return error(fmt, 400, "NUL characters are not allowed")  # PostgreSQL text cannot hold them
    slug = tenant or request.values.get("jurisdiction_id")
    if not slug:
        return error(fmt, 400, "jurisdiction_id is required")
    try:
        ref = lookup(slug)
        if ref.status != TenantStatus.ACTIVE:
            raise UnknownTenant(slug, "inactive")
    except UnknownTenant:
        return error(fmt, 404, f"jurisdiction {slug!r} not found")
    token = bind_tenant(ref)
    try:
        return work(slug)
    except Open311Error as exc:
        db.session.rollback()
        return error(fmt, exc.status, exc.description)
    except DomainError as exc:
        db.session.rollback()
        return error(fmt, 400, str(exc))
    finally:
        unbind_tenant(token)


def _ints(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise Open311Error(400, f"{name} must be an integer from {low} to {high}")
    return int(raw)


def _list(name: str) -> list[str]:
    return [v.strip() for v in (request.args.get(name) or "").split(",") if v.strip()]


@_route("/discovery.<fmt>")
def discovery(fmt: str, tenant: str | None = None):
    def work(slug):
        base = request.url_root.rstrip("/") + f"/open311/{slug}/v2/"
        return respond(
            fmt,
            "discovery",
            {
                "changeset": "2026-12-02T00:00:00+08:00",
                "contact": "12345 hotline centre, see docs/open311.md",
                "key_service": "api_key issued by the province administrator (POST /api/v1/province/clients)",
                "endpoints": [
                    {
                        "specification": "http://wiki.open311.org/GeoReport_v2",
                        "url": base,
                        "changeset": "2026-12-02T00:00:00+08:00",
                        "type": "production",
                        "formats": ["application/json", "text/xml"],
                    }
                ],
            },
        )

    return _run(fmt, tenant, work)


@_route("/services.<fmt>")
def services(fmt: str, tenant: str | None = None):
    return _run(fmt, tenant, lambda slug: respond(fmt, "services", service.services()))


@_route("/services/<string:code>.<fmt>")
def definition(code: str, fmt: str, tenant: str | None = None):
    return _run(fmt, tenant, lambda slug: respond(fmt, "service_definition", service.definition(code)))


def _query() -> dict[str, Any]:
    return {
        "ids": _list("service_request_id"),
        "service_codes": _list("service_code"),
        "start_date": service.parse_dt(request.args.get("start_date"), "start_date"),
        "end_date": service.parse_dt(request.args.get("end_date"), "end_date"),
        "updated_after": service.parse_dt(request.args.get("updated_after"), "updated_after"),
        "updated_before": service.parse_dt(request.args.get("updated_before"), "updated_before"),
        "status": _status(),
        "page": _ints("page", 1, 1, 100000),
        "page_size": _ints("page_size", service.MAX_PAGE, 1, service.MAX_PAGE),
        "extensions": request.args.get("extensions") == "true",
    }


def _status() -> str | None:
    value = request.args.get("status") or None
    if value not in (None, "open", "closed"):
        raise Open311Error(400, "status must be open or closed")
    return value


def _float(name: str, low: float, high: float) -> float | None:
    raw = request.form.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise Open311Error(400, f"{name} must be a number") from exc
    if not low <= value <= high:
        raise Open311Error(400, f"{name} is out of range")
    return value


def _post_form(client) -> dict[str, Any]:
    form = {
        k: (request.form.get(k) or "").strip() or None
        for k in (
            "service_code",
            "description",
            "address_string",
            "first_name",
            "last_name",
            "phone",
            "email",
        )
    }
    form["lat"], form["long"] = _float("lat", -90, 90), _float("long", -180, 180)
    form["attributes"] = request.form  # attribute[<code>] fields, checked against the definition
    if not form["service_code"]:
        raise Open311Error(400, "service_code is required")
    if (form["lat"] is None) != (form["long"] is None):
        raise Open311Error(400, "lat and long go together")
    if form["lat"] is None and not form["address_string"]:
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    if not form["description"]:
        raise Open311Error(400, "description is required")
    if len(form["description"]) > 4000 or len(form["address_string"] or "") > 300:
        raise Open311Error(400, "description (4000) or address_string (300) is too long")
    for key in ("first_name", "last_name"):
        if form[key] and len(form[key]) > 40:
            raise Open311Error(400, f"{key} is too long")
    return form


@_route("/requests.<fmt>", methods=["GET", "POST"])
def requests(fmt: str, tenant: str | None = None):
    def work(slug):
        if request.method == "GET":
            return respond(fmt, "service_requests", service.search(_query()))
        client = keys.verify(request.form.get("api_key") or request.args.get("api_key"), slug)
        if client is None:
            raise Open311Error(403, "a valid api_key of this jurisdiction is required")
        created = service.create(client, _post_form(client))
        db.session.commit()
        location = url_for("open311.one1", tenant=slug, number=created["service_request_id"], fmt=fmt)
        response = respond(fmt, "service_requests", [created], 201)
        response.headers["Location"] = location
        return response

    return _run(fmt, tenant, work)


@_route("/requests/<string:number>.<fmt>")
def one(number: str, fmt: str, tenant: str | None = None):
    extensions = request.args.get("extensions") == "true"
    return _run(fmt, tenant, lambda slug: respond(fmt, "service_requests", service.find(number, extensions)))


@_route("/tokens/<string:token>.<fmt>")
def tokens(token: str, fmt: str, tenant: str | None = None):
    """Intake is synchronous, so a token is the request id itself (kept for clients that poll)."""

    def work(slug):
        found = service.find(token, False)
        return respond(
            fmt, "service_requests", [{"service_request_id": found[0]["service_request_id"], "token": token}]
        )

    return _run(fmt, tenant, work)


@blp.errorhandler(429)
def _too_many(exc):
    """flask-limiter's refusal in the spec's error shape (its headers, Retry-After included, stay)."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return error(fmt, 429, f"rate limit exceeded ({exc.description}); retry after the Retry-After seconds")
