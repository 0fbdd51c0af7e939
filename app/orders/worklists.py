"""Named work lists of the city desk and the department inbox, over the one orders query.

Every list starts from ``queries.order_query`` (so the visibility filter applies: a
handler's lists never hold another department's order) and adds the rule that names it.
"Due soon" (即将超期) is an open order past its warning point and not yet overdue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, exists, false, func, select

from tenants import db

from ..auth.principal import Principal
from .models import Assignment, ExtensionRequest, Order
from .queries import order_query
from .service import now
from .workflow import OPEN_STATES

ListRule = Callable[[Select, Principal], Select]


def _open(stmt: Select) -> Select:
    return stmt.where(Order.status.in_(OPEN_STATES))


def _due_soon(stmt: Select) -> Select:
    return _open(stmt).where(Order.warn_at <= now(), Order.overdue_at.is_(None))


def _overdue(stmt: Select) -> Select:
    return _open(stmt).where(Order.overdue_at.is_not(None))


def _mine(principal: Principal, *statuses: str):
    """The caller's department holds an active assignment (in one of ``statuses``)."""
    if not principal.department:
        return false()
    clause = exists().where(
        Assignment.order_id == Order.id,
        Assignment.department_code == principal.department,
        Assignment.active,
    )
    return clause.where(Assignment.status.in_(statuses)) if statuses else clause


# 城市热线工作台: the desk's lists (agents, dispatchers, city supervisors)
DESK: dict[str, ListRule] = {
    "all": lambda s, p: s,
    "to_dispatch": lambda s, p: s.where(Order.status.in_(("received", "returned", "reopened"))),
    "due_soon": lambda s, p: _due_soon(s),
    "overdue": lambda s, p: _overdue(s),
    "replied": lambda s, p: s.where(Order.status == "replied"),  # replies to review (审核)
    "returned": lambda s, p: s.where(Order.status == "returned"),  # returns to review (退单审核)
    "extensions": lambda s, p: s.where(Order.extension_pending.is_(True)),  # 延期审批
    "callback": lambda s, p: s.where(  # 待回访: closed after handling, no callback yet
        Order.status == "closed", Order.callback_at.is_(None), Order.direct_closure.is_(False)
    ),
    "dissatisfied": lambda s, p: s.where(  # 回访不满意且未解决: candidates for reopening (重办)
        Order.status == "closed", Order.satisfaction == "dissatisfied", Order.resolved.is_(False)
    ),
}

# 承办单位收件箱: the department inbox (handlers)
INBOX: dict[str, ListRule] = {
    "to_sign": lambda s, p: s.where(_mine(p, "pending")),  # 待签收
    "in_progress": lambda s, p: s.where(Order.status == "in_progress", _mine(p, "accepted")),  # 办理中
    "due_soon": lambda s, p: _due_soon(s).where(_mine(p, "pending", "accepted")),
    "overdue": lambda s, p: _overdue(s).where(_mine(p, "pending", "accepted")),
    "all": lambda s, p: s,
}


def work_list(principal: Principal, lists: dict[str, ListRule], name: str, args: dict[str, Any]) -> Select:
    """The query of list ``name`` with the usual filters (status, category, district ...)."""
    return lists[name](order_query(principal, args), principal)


def counts(principal: Principal, lists: dict[str, ListRule], names: tuple[str, ...]) -> dict[str, int]:
    """How many orders each named list holds (the tabs' badges), in one round trip."""
    columns = [
        select(func.count())
        .select_from(lists[n](order_query(principal, {}), principal).order_by(None).subquery())
        .scalar_subquery()
        .label(n)
        for n in names
    ]
    row = db.session.execute(select(*columns)).one()
    return dict(row._mapping)


def extension_requests(order_id: int) -> list[ExtensionRequest]:
    """The order's extension requests (延期申请), oldest first; the caller checked visibility."""
    stmt = select(ExtensionRequest).where(ExtensionRequest.order_id == order_id).order_by(ExtensionRequest.id)
    return list(db.session.scalars(stmt))
