"""Shared rules of the orders domain: loading under the caller's row scope, with locks; actors;
the audited phone reveal."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from tenants import db

from ..audit import service as audit
from ..audit.service import Actor
from ..auth.policy import allowed, require
from ..auth.principal import Principal
from ..auth.scope import restrict
from ..errors import Forbidden, NotFound, PreconditionFailed
from ..pii import PhoneVault
from .models import Order


def now() -> datetime:
    return datetime.now(UTC)


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.username, ",".join(sorted(principal.roles)))


def get_visible(principal: Principal, order_id: int, *, for_update: bool = False) -> Order:
    """One order the caller may read (404 for any other, existing or not)."""
    stmt = restrict(principal, "orders.read", select(Order).where(Order.id == order_id))
    stmt = stmt.execution_options(populate_existing=True)  # the row as stored, even in a reused session
    if for_update:
        stmt = stmt.with_for_update(of=Order)
    order = db.session.scalars(stmt).first()
    if order is None:
        raise NotFound(f"no order {order_id} visible to you in this city")
    return order


def load_for_action(
    principal: Principal,
    order_id: int,
    if_match: int | None,
    *,
    permission: str = "orders.read",
    department_scoped: bool = False,
) -> Order:
    """Lock the order row: two dispatchers acting at once serialize here; the second sees the new state.

    Checks in order: the permission (403), existence (404), the row scope of the permission
    (403: e.g. a department-scoped action of a department not assigned), the version (412).
    """
    scoped = restrict(
        principal,
        permission,
        select(Order.id).where(Order.id == order_id),
        department_scoped=department_scoped,
    )
    order = db.session.scalars(select(Order).where(Order.id == order_id).with_for_update(of=Order)).first()
    if order is None:
        raise NotFound(f"no order {order_id} in this city")
    if db.session.scalar(scoped) is None:
        raise Forbidden("your department is not assigned to this order")
    hold(order)
    if if_match is not None and order.version != if_match:
        raise PreconditionFailed(
            f"the order changed (version {order.version}, your If-Match says {if_match})"
        )
    return order


def hold(order: Order) -> Order:
    """Keep ``order`` for the rest of the unit of work: the session's identity map holds clean
    objects weakly, so without this whether a later action in the same unit of work sees this
    object or a fresh copy would depend on when the garbage collector runs."""
    db.session.info.setdefault("orders_held", []).append(order)
    return order


def caller_visible(principal: Principal, order: Order) -> bool:
    """Departments and third parties never learn who a confidential caller is."""
    return not order.confidential or allowed(principal, "orders.see_confidential_caller")


def reveal_phone(principal: Principal, order: Order) -> str | None:
    """The caller's unmasked phone for a desk role, recorded in the audit trail (one entry per reveal).

    None (nothing revealed, nothing recorded) when the order has no phone or its caller is hidden
    from this principal; PermissionDenied for roles that may not reveal.
    """
    if order.caller_phone_enc is None or not caller_visible(principal, order):
        return None
    require(principal, "orders.reveal_phone")
    phone = PhoneVault.from_app().decrypt(order.caller_phone_enc)
    audit.record("caller.phone_revealed", actor=actor_of(principal), order=order)
    return phone


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
