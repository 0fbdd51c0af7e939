"""Province-wide lists over the province schema only: facts, supervision facts, transfers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, exists, func, or_, select, text

from tenants import db
from tenants.context import UnknownTenant, lookup
from tenants.models import Tenant

from ..errors import DomainError
from ..orders.workflow import OPEN_STATES
from .models import OPEN_SQL, OrderFact, SupervisionFact, Transfer


def tenant_id(slug: str, field: str = "tenant") -> int:
    """A registry id for a filter; an unknown city is a 422 naming the field."""
    try:
        return lookup(slug).id
    except UnknownTenant as exc:
        raise DomainError(str(exc), status=422, errors={"query": {field: ["unknown city"]}}) from exc


def page(stmt: Select, pagination: Any) -> list:
    pagination.item_count = db.session.scalar(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    )
    return list(db.session.execute(stmt.offset(pagination.first_item).limit(pagination.page_size)))


def orders(args: dict[str, Any]) -> Select:
    f = OrderFact
    stmt = select(f, Tenant.slug.label("tenant")).join(Tenant, Tenant.id == f.tenant_id)
    if args.get("tenant"):
        stmt = stmt.where(f.tenant_id.in_([tenant_id(s) for s in args["tenant"]]))
    if args.get("status"):
        stmt = stmt.where(f.status.in_(args["status"]))
    for name in ("category_code", "channel", "appeal_type", "lead_department", "number"):
        if args.get(name):
            stmt = stmt.where(getattr(f, name) == args[name])
    if args.get("overdue") is True:  # open and overdue: the partial index
        stmt = stmt.where(f.overdue_at.is_not(None), _open())
    elif args.get("overdue") is False:
        # not ``~_open()``: a text clause cannot be negated (SQLAlchemy asserted: a 500)
        stmt = stmt.where(or_(f.overdue_at.is_(None), f.status.not_in(OPEN_STATES)))
    if args.get("supervised") is not None:
        sup = exists().where(SupervisionFact.tenant_id == f.tenant_id, SupervisionFact.order_id == f.order_id)
        stmt = stmt.where(sup if args["supervised"] else ~sup)
    if args.get("created_from"):
        stmt = stmt.where(f.created_at >= args["created_from"])
    if args.get("created_to"):
        stmt = stmt.where(f.created_at < args["created_to"])
    return stmt.order_by(f.created_at.desc(), f.tenant_id, f.order_id)


def _open():
    return text("order_facts." + OPEN_SQL)  # literal, so the planner matches the partial index


def supervisions(args: dict[str, Any]) -> Select:
    s, f = SupervisionFact, OrderFact
    stmt = (
        select(
            s,
            Tenant.slug.label("tenant"),
            f.status.label("order_status"),
            f.overdue_at.label("order_overdue_at"),
        )
        .join(Tenant, Tenant.id == s.tenant_id)
        .outerjoin(f, (f.tenant_id == s.tenant_id) & (f.order_id == s.order_id))
    )
    if args.get("tenant"):
        stmt = stmt.where(s.tenant_id.in_([tenant_id(x) for x in args["tenant"]]))
    if args.get("level"):
        stmt = stmt.where(s.level == args["level"])
    if args.get("answered") is not None:
        stmt = stmt.where(s.answered_at.is_not(None) if args["answered"] else s.answered_at.is_(None))
    if args.get("response_overdue"):
        stmt = stmt.where(s.answered_at.is_(None), s.response_due_at < datetime.now(UTC))
    return stmt.order_by(s.created_at.desc(), s.tenant_id, s.supervision_id)


def transfers(args: dict[str, Any], *, city: int | None = None) -> Select:
    t = Transfer
    stmt = select(t)
    if args.get("status"):
        stmt = stmt.where(t.status.in_(args["status"]))
    if args.get("tenant"):
        ids = [tenant_id(x) for x in args["tenant"]]
        stmt = stmt.where(t.source_tenant_id.in_(ids) | t.target_tenant_id.in_(ids))
    if city is not None:
        direction = args.get("direction")
        if direction == "in":
            stmt = stmt.where(t.target_tenant_id == city)
        elif direction == "out":
            stmt = stmt.where(t.source_tenant_id == city)
        else:
            stmt = stmt.where((t.target_tenant_id == city) | (t.source_tenant_id == city))
    return stmt.order_by(t.requested_at.desc(), t.id.desc())
