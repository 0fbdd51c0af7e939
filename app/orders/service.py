"""Shared rules of the orders domain: loading with locks, visibility, actors, observers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Select, exists, or_, select

from tenants import db

from ..audit.service import Actor
from ..auth.policy import allowed
from ..auth.principal import Principal, Role
from ..errors import Forbidden, NotFound, PreconditionFailed
from .models import Assignment, Order

# Observers run inside the order's transaction after every change (e.g. province facts).
OrderObserver = Callable[[Order, str], None]
_observers: list[OrderObserver] = []


def observe(observer: OrderObserver) -> None:
    """Register an observer from the composition root (never at import)."""
    if observer not in _observers:
        _observers.append(observer)


def notify(order: Order, event: str) -> None:
    for observer in _observers:
        observer(order, event)


def now() -> datetime:
    return datetime.now(UTC)


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.username, ",".join(sorted(principal.roles)))


def visibility_filter(principal: Principal, stmt: Select) -> Select:
    """Restrict a query over Order to what the caller may see (one place, every list and read)."""
    if principal.has(Role.AGENT, Role.DISPATCHER, Role.CITY_SUPERVISOR) or principal.is_province:
        return stmt
    clauses = []
    if principal.has(Role.HANDLER) and principal.department:
        clauses.append(
            exists().where(
                Assignment.order_id == Order.id, Assignment.department_code == principal.department
            )
        )
    if principal.roles & Role.SYSTEM:
        clauses.append(Order.created_by == principal.username)
    if not clauses:
        return stmt.where(False)
    return stmt.where(or_(*clauses))


def get_visible(principal: Principal, order_id: int, *, for_update: bool = False) -> Order:
    stmt = visibility_filter(principal, select(Order).where(Order.id == order_id))
    if for_update:
        stmt = stmt.with_for_update(of=Order)
    order = db.session.scalars(stmt).first()
    if order is None:
        raise NotFound(f"no order {order_id} visible to you in this city")
    return order


def load_for_action(principal: Principal, order_id: int, if_match: int | None) -> Order:
    """Lock the order row: two dispatchers acting at once serialize here; the second sees the new state."""
    order = db.session.scalars(select(Order).where(Order.id == order_id).with_for_update(of=Order)).first()
    if order is None:
        raise NotFound(f"no order {order_id} in this city")
    visible = db.session.scalar(visibility_filter(principal, select(Order.id).where(Order.id == order_id)))
    if visible is None:
        raise Forbidden("your department is not assigned to this order")
    if if_match is not None and order.version != if_match:
        raise PreconditionFailed(
            f"the order changed (version {order.version}, your If-Match says {if_match})"
        )
    return order


def may(principal: Principal, permission: str) -> bool:
    return allowed(principal, permission)


def etag(order: Order) -> str:
    return f'"{order.id}.{order.version}"'


def parse_if_match(header: str | None) -> int | None:
    """Accept our ETag (``"12.3"``, weak or not) or a bare version number; ``*`` means any."""
    if not header or header.strip() == "*":
        return None
    value = header.strip().removeprefix("W/").strip('"')
    try:
        return int(value.rsplit(".", 1)[-1])
    except ValueError:
        raise PreconditionFailed(f"malformed If-Match {header!r}: use the ETag of the order") from None
