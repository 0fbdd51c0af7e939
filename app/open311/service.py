"""GeoReport v2 over the city's catalog and orders: read models and intake through the one service.

Status maps the lifecycle onto open/closed; confidential orders never leave, and no caller name
or phone is ever part of a request (phone-like digits in the text are masked too).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from tenants import db

from ..audit.models import AuditEntry
from ..catalog.models import Category, Department
from ..orders.intake import intake
from ..orders.models import Order
from ..orders.service import now
from ..orders.workflow import OPEN_STATES
from . import attributes
from .keys import principal_of
from .models import ApiClient
from .render import Open311Error, parse_dt, w3c

DEFAULT_WINDOW = timedelta(days=90)  # the spec's default when no dates are given
MAX_PAGE = 1000  # the spec's upper bound per response
PHONE_RE = re.compile(r"1[3-9]\d{9}|\d{3,4}-?\d{7,8}")
NOTE = {  # audit action -> public note (no actor, no caller data)
    "order.received": "受理 received",
    "order.dispatched": "派单 dispatched",
    "order.accepted": "签收 accepted",
    "order.replied": "办结回复 replied",
    "order.closed": "办结 closed",
    "order.reopened": "重办 reopened",
    "order.returned": "退回 returned",
}


def services() -> list[dict[str, Any]]:
    """Leaf categories (二级分类) are the service types; majors are their group."""
    rows = db.session.scalars(select(Category).where(Category.active).order_by(Category.code)).all()
    majors = {c.code: c for c in rows if not c.is_leaf}
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.name_en,
            "metadata": attributes.has_attributes(c.code),
            "type": "realtime",
            "keywords": c.name_en,
            "group": majors[c.parent_code].name if c.parent_code in majors else None,
        }
        for c in rows
        if c.is_leaf
    ]


def definition(code: str) -> dict[str, Any]:
    category = db.session.get(Category, code)
    if category is None or not category.is_leaf or not category.active:
        raise Open311Error(404, f"service_code {code!r} not found")
    return {"service_code": code, "attributes": attributes.definition(code)}


def _public(order: Order, names: dict[str, str], agencies: dict[str, str], extensions: bool) -> dict:
    closed = order.status not in OPEN_STATES
    item = {
        "service_request_id": order.number,
        "status": "closed" if closed else "open",
        "status_notes": PHONE_RE.sub("***", order.reply_content) if order.reply_content else None,
        "service_name": names.get(order.category_code),
        "service_code": order.category_code or "",
        "description": PHONE_RE.sub("***", order.content)[:4000],
        "agency_responsible": agencies.get(order.lead_department or ""),
        "service_notice": None,
        "requested_datetime": w3c(order.created_at),
        "updated_datetime": w3c(order.closed_at if closed and order.closed_at else order.updated_at),
        "expected_datetime": w3c(order.due_at),
        "address": order.address,
        "address_id": None,
        "zipcode": None,
        "lat": order.lat,
        "long": order.lng,
        "media_url": None,
    }
    if extensions:
        item["extended_attributes"] = {
            "channel": order.channel,
            "appeal_type": order.appeal_type,
            "urgency": order.urgency,
            "internal_status": order.status,
        }
    return item


def _notes(order_ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {i: [] for i in order_ids}
    if not order_ids:
        return out
    rows = db.session.scalars(
        select(AuditEntry).where(AuditEntry.order_id.in_(order_ids)).order_by(AuditEntry.id)
    ).all()
    for row in rows:
        if row.action in NOTE:
            out[row.order_id].append(
                {
                    "datetime": w3c(row.occurred_at),
                    "summary": NOTE[row.action],
                    "type": row.action.split(".", 1)[1],
                }
            )
    return out


def _render(orders: list[Order], extensions: bool) -> list[dict]:
    codes = {o.category_code for o in orders}
    names = {c.code: c.name for c in db.session.scalars(select(Category).where(Category.code.in_(codes)))}
    deps = {o.lead_department for o in orders if o.lead_department}
    agencies = {
        d.code: d.name for d in db.session.scalars(select(Department).where(Department.code.in_(deps)))
    }
    notes = _notes([o.id for o in orders]) if extensions else {}
    items = []
    for o in orders:
        item = _public(o, names, agencies, extensions)
        if extensions:
            item["notes"] = notes[o.id]
        items.append(item)
    return items


def _visible():
    return select(Order).where(Order.confidential.is_(False), Order.merged_into_id.is_(None))


def find(number: str, extensions: bool) -> list[dict]:
    order = db.session.scalars(_visible().where(Order.number == number)).first()
    if order is None:
        raise Open311Error(404, f"service_request_id {number!r} not found")
    return _render([order], extensions)


def search(q: dict[str, Any]) -> list[dict]:
    stmt = _visible()
    if q.get("ids"):
        stmt = stmt.where(Order.number.in_(q["ids"]))
    else:
        end = q.get("end_date") or now()
        start = q.get("start_date") or end - DEFAULT_WINDOW
        stmt = stmt.where(Order.created_at >= start, Order.created_at <= end)
    if q.get("service_codes"):
        stmt = stmt.where(Order.category_code.in_(q["service_codes"]))
    if q.get("status") == "open":
        stmt = stmt.where(Order.status.in_(OPEN_STATES))
    elif q.get("status") == "closed":
        stmt = stmt.where(Order.status.not_in(OPEN_STATES))
    if q.get("updated_after"):
        stmt = stmt.where(Order.updated_at > q["updated_after"])
    if q.get("updated_before"):
        stmt = stmt.where(Order.updated_at < q["updated_before"])
    size = q.get("page_size") or MAX_PAGE
    stmt = stmt.order_by(Order.created_at.desc(), Order.id.desc())
    stmt = stmt.limit(size).offset((q.get("page", 1) - 1) * size)
    return _render(list(db.session.scalars(stmt)), q.get("extensions", False))


def create(client: ApiClient, form: dict[str, Any]) -> dict[str, Any]:
    """One order through ``orders.intake`` (channel ``app``: a third-party application)."""
    if "open311:write" not in client.scopes:
        raise Open311Error(403, "this api_key may not submit requests")
    code = form["service_code"]
    category = db.session.get(Category, code)
    if category is None or not category.is_leaf or not category.active:
        raise Open311Error(404, f"service_code {code!r} not found")
    extra = attributes.collect(code, form["attributes"]) if form.get("attributes") is not None else []
    name = " ".join(p for p in (form.get("first_name"), form.get("last_name")) if p) or None
    body = {
        "channel": "app",
        "appeal_type": category.appeal_type_hint or "help",
        "category_code": code,
        "content": "\n".join([form["description"], *extra]),
        "address": form.get("address_string"),
        "location": {"lat": form["lat"], "lng": form["long"]} if form.get("lat") is not None else None,
        "source_ref": f"open311:{client.client_id}",
        "caller": {"name": name, "phone": form.get("phone")},
    }
    result = intake(principal_of(client), body)
    return {"service_request_id": result.order.number, "service_notice": None, "account_id": None}


__all__ = ["create", "definition", "find", "parse_dt", "search", "services"]
