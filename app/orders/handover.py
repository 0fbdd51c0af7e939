"""Actions by which an order leaves this city's queue: merged (并单) into another order,
transferred (转办) to another city through the outbox, escalated (移交) to a 110/119/120/122
platform through the outbox. Registered in ``actions`` like every action (docs/architecture.md §4)."""

from __future__ import annotations

from sqlalchemy import select

from tenants import current_tenant, db
from tenants.context import UnknownTenant, lookup

from ..audit import service as audit
from ..errors import Conflict, DomainError
from . import topics
from .actions import Ctx, handles
from .models import Order
from .service import actor_of
from .workflow import EMERGENCY_TARGETS


@handles("merge")
def _merge(ctx: Ctx) -> None:
    into_id = ctx.body["into"]
    if into_id == ctx.order.id:
        raise Conflict("an order cannot be merged into itself")
    target = db.session.scalars(select(Order).where(Order.id == into_id).with_for_update()).first()
    if target is None:
        raise DomainError(
            f"no order {into_id} to merge into", status=422, errors={"json": {"into": ["not found"]}}
        )
    if target.status in ("closed", "merged", "transferred"):
        raise Conflict(f"cannot merge into an order that is {target.status}")
    _cancel_assignments(ctx.order)
    ctx.order.merged_into_id = target.id
    ctx.audit_data.update(into=target.id, into_number=target.number)
    audit.record(
        "order.merged_in",
        actor=actor_of(ctx.principal),
        order=target,
        merged=ctx.order.id,
        merged_number=ctx.order.number,
    )


@handles("transfer")
def _transfer(ctx: Ctx) -> None:
    from ..outbox.service import publish

    slug = ctx.body["to_tenant"]
    try:
        target = lookup(slug)
    except UnknownTenant as exc:
        raise DomainError(str(exc), status=422, errors={"json": {"to_tenant": ["unknown city"]}}) from exc
    if target.slug == current_tenant().slug:
        raise Conflict("an order cannot be transferred to its own city")
    _cancel_assignments(ctx.order)
    ctx.order.transferred_to = target.slug
    ctx.audit_data.update(to_tenant=target.slug, reason=ctx.body["reason"])
    publish(
        topics.TRANSFER_REQUESTED,
        {
            "order_id": ctx.order.id,
            "number": ctx.order.number,
            "to_tenant": target.slug,
            "reason": ctx.body["reason"],
        },
        key=f"transfer:{ctx.order.number}:{ctx.order.version}",  # a sent-back order may go again
        destination=f"city:{target.slug}",
    )


@handles("escalate")
def _escalate(ctx: Ctx) -> None:
    from ..outbox.service import publish

    target = ctx.body["target"]
    if target not in EMERGENCY_TARGETS:
        raise DomainError(f"unknown emergency platform {target!r}", status=422)
    _cancel_assignments(ctx.order)
    ctx.order.transferred_to = target
    ctx.audit_data.update(target=target, reason=ctx.body.get("reason"))
    publish(
        topics.ESCALATED,
        {
            "order_id": ctx.order.id,
            "number": ctx.order.number,
            "target": target,
            "reason": ctx.body.get("reason"),
        },
        key=f"escalate:{ctx.order.number}:{ctx.order.version}",
        destination=f"emergency:{target}",  # one line per platform: its messages stay in order
    )


def _cancel_assignments(order: Order) -> None:
    for a in order.assignments:
        if a.active:
            a.active, a.status = False, "cancelled"
