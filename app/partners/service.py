"""A city's orders as a data partner may see them, and aggregates over them (docs/partners.md).

Rows come through the one permission-and-scope function (``restrict`` with
``orders.read_desensitized``); on top of it confidential orders are never part of any answer
(neither listed nor counted) and merged ones are left out (their target stands for them). No
caller field is read into an answer; free text goes through ``desensitize``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func

from tenants import db

from ..auth.principal import Principal
from ..auth.scope import restrict
from ..errors import NotFound
from ..orders.models import Order
from ..orders.workflow import OPEN_STATES
from . import desensitize

PERMISSION = "orders.read_desensitized"
SH = ZoneInfo("Asia/Shanghai")
MIN_CELL = 3  # hotspot cells below this count are suppressed (k-anonymity of small groups)


def _shareable(stmt: Select) -> Select:
    return stmt.where(Order.confidential.is_(False), Order.status != "merged")


def _received_between(stmt: Select, day_from: date, day_to: date) -> Select:
    start = datetime.combine(day_from, time.min, SH)
    end = datetime.combine(day_to + timedelta(days=1), time.min, SH)
    return stmt.where(Order.created_at >= start, Order.created_at < end)


def orders(principal: Principal, args: dict[str, Any]) -> Select:
    """The orders ``GET /api/v1/partner/{tenant}/orders`` lists, newest first."""
    stmt = _shareable(restrict(principal, PERMISSION))
    stmt = _received_between(stmt, args["from_"], args["to"])
    for name in ("status", "channel", "appeal_type", "category_code", "district_code"):
        if args.get(name):
            stmt = stmt.where(getattr(Order, name) == args[name])
    if args.get("updated_after"):
        stmt = stmt.where(Order.updated_at > args["updated_after"])
    return stmt.order_by(Order.created_at.desc(), Order.id.desc())


def order(principal: Principal, number: str) -> Order:
    stmt = _shareable(restrict(principal, PERMISSION)).where(Order.number == number)
    found = db.session.scalars(stmt).first()
    if found is None:
        raise NotFound(f"no order {number!r}")  # confidential ones too: no hint they exist
    return found


def present(o: Order) -> dict[str, Any]:
    """The desensitized order: no caller, no address, rounded location, masked text."""
    location = None
    if o.lat is not None and o.lng is not None:
        location = {"lat": desensitize.coordinate(o.lat), "lng": desensitize.coordinate(o.lng)}
    return {
        "number": o.number,
        "status": o.status,
        "open": o.status in OPEN_STATES,
        "channel": o.channel,
        "appeal_type": o.appeal_type,
        "category_code": o.category_code,
        "urgency": o.urgency,
        "title": desensitize.text(o.title, o.caller_name),
        "content": desensitize.text(o.content, o.caller_name),
        "district_code": o.district_code,
        "location": location,
        "lead_department": o.lead_department,
        "created_at": o.created_at,
        "updated_at": o.updated_at,
        "due_at": o.due_at,
        "closed_at": o.closed_at,
        "overdue": o.overdue_at is not None,
        "reply_outcome": o.reply_outcome,
        "satisfaction": o.satisfaction,
        "resolved": o.resolved,
    }


def hotspots(principal: Principal, args: dict[str, Any]) -> dict[str, Any]:
    """The busiest districts / categories of the period, small cells suppressed."""
    by = args["by"]
    keys = {
        "district": (Order.district_code,),
        "category": (Order.category_code,),
        "district_category": (Order.district_code, Order.category_code),
    }[by]
    count = func.count().label("orders")
    still_open = func.count(case((Order.status.in_(OPEN_STATES), 1))).label("open")
    base = _received_between(_shareable(restrict(principal, PERMISSION)), args["from_"], args["to"])
    stmt = (
        base.with_only_columns(*keys, count, still_open)
        .group_by(*keys)
        .having(func.count() >= MIN_CELL)
        .order_by(count.desc(), *keys)
        .limit(args["limit"])
    )
    cells = [
        {
            "district_code": getattr(r, "district_code", None),
            "category_code": getattr(r, "category_code", None),
            "orders": r.orders,
            "open": r.open,
        }
        for r in db.session.execute(stmt)
    ]
    return {"from_": args["from_"], "to": args["to"], "by": by, "min_cell": MIN_CELL, "cells": cells}
