"""Listing orders: filters over indexed columns, always inside the caller's row scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists
from sqlalchemy.orm import selectinload

from ..auth.principal import Principal
from ..auth.scope import restrict
from .models import Assignment, Order


def order_query(principal: Principal, args: dict[str, Any]) -> Select:
    """The orders ``GET .../orders`` lists, newest first, assignments loaded with them."""
    stmt = restrict(principal, "orders.read")
    if args.get("status"):
        stmt = stmt.where(Order.status.in_(args["status"]))
    for name in ("channel", "appeal_type", "category_code", "district_code", "number"):
        if args.get(name):
            stmt = stmt.where(getattr(Order, name) == args[name])
    if args.get("department"):
        stmt = stmt.where(
            exists().where(
                Assignment.order_id == Order.id,
                Assignment.department_code == args["department"],
                Assignment.active,
            )
        )
    if args.get("overdue") is not None:
        stmt = stmt.where(Order.overdue_at.is_not(None) if args["overdue"] else Order.overdue_at.is_(None))
    if args.get("created_from"):
        stmt = stmt.where(Order.created_at >= args["created_from"])
    if args.get("created_to"):
        stmt = stmt.where(Order.created_at < args["created_to"])
    return (
        stmt.options(selectinload(Order.assignments))
        .execution_options(populate_existing=True)
        .order_by(Order.created_at.desc(), Order.id.desc())
    )
