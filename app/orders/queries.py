"""Listing orders: filters over indexed columns, always through the visibility filter."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import selectinload

from tenants import db

from ..auth.principal import Principal
from .models import Assignment, Order
from .service import visibility_filter


def order_query(principal: Principal, args: dict[str, Any]) -> Select:
    stmt = visibility_filter(principal, select(Order))
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
    return stmt


def page(stmt: Select, page: int, page_size: int) -> tuple[list[Order], int]:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(
        stmt.options(selectinload(Order.assignments))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return list(rows), total or 0
