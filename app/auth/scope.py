"""Row scope beside the permission matrix: one call answers "may this principal do this, and on
which rows" (the way netbox's ``restrict(user, action)`` does).

``restrict(principal, "orders.read")`` raises ``PermissionDenied`` when the matrix (policy.py)
says no, and otherwise returns a select of the orders that grant reaches; given a statement it
narrows that one instead. Every list, read and action on orders goes through it, so no domain
code looks at role names (docs/architecture.md §5).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select

from ..orders.models import Assignment, Order
from .policy import API, CS, DP, EM, KB, PA, PS, A, D, H, require
from .principal import Principal

ALL = "all"  # every order of the bound city
ASSIGNED = "assigned"  # orders the caller's department was assigned at some point (主办 or 协办)
OWN = "own"  # orders the caller filed itself (third-party and emergency systems)
NONE = "none"  # no order at all (knowledge-base editors hold no orders.* grant either)

# Which orders each role's grants reach (a principal with several roles gets the union).
ORDER_ROWS: dict[str, str] = {
    A: ALL,
    D: ALL,
    CS: ALL,
    PS: ALL,
    PA: ALL,
    H: ASSIGNED,
    API: OWN,
    EM: OWN,
    KB: NONE,
    DP: ALL,  # only through orders.read_desensitized: app/partners drops confidential orders and PII
}


def restrict(
    principal: Principal | None,
    permission: str,
    stmt: Select | None = None,
    *,
    department_scoped: bool = False,
) -> Select:
    """Check ``permission`` (403) and narrow ``stmt`` (default ``select(Order)``) to the rows it reaches.

    ``department_scoped`` (actions of a handling department, ``Action.department_scoped``): only
    orders on which the caller's own department holds an active assignment, whatever the role.
    """
    require(principal, permission)
    resource = permission.partition(".")[0]
    if resource != "orders":
        raise LookupError(f"no row scope for {permission!r}: use require() for {resource}")
    rows = order_rows(principal, department_scoped=department_scoped)
    stmt = select(Order) if stmt is None else stmt
    return stmt if rows is None else stmt.where(rows)


def order_rows(principal: Principal, *, department_scoped: bool = False) -> ColumnElement[bool] | None:
    """The filter over ``Order`` for ``principal`` (None: every order of the city)."""
    scopes = {ORDER_ROWS[r] for r in principal.roles if r in ORDER_ROWS}
    clauses: list[ColumnElement[bool]] = []
    if ALL not in scopes:
        if ASSIGNED in scopes and principal.department:
            clauses.append(_assigned(principal.department))
        if OWN in scopes:
            clauses.append(Order.created_by == principal.username)
        if not clauses:
            return false()
    role_rows = or_(*clauses) if clauses else None
    if not department_scoped:
        return role_rows
    if not principal.department:
        return false()
    mine = _assigned(principal.department, active_only=True)
    return mine if role_rows is None else and_(role_rows, mine)


def _assigned(department: str, *, active_only: bool = False) -> ColumnElement[bool]:
    where = [Assignment.order_id == Order.id, Assignment.department_code == department]
    if active_only:
        where.append(Assignment.active)
    return exists().where(*where)
