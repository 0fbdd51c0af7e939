"""Cross-city transfer (跨市转办): the target city accepts or sends back; the province settles disputes.

Each step runs in ONE city's transaction and tells the other city through that city's outbox
(delivered at least once; every receiver is idempotent on the transfer row's own markers or
on a key recorded in the timeline):

- source ``transfer`` action -> ``order.transfer_requested`` -> the target gets the order
  (caller data carried over, the source number as ``source_ref``) and the transfer row;
- target accept / send back -> ``transfer.remote`` -> the source timeline; a send-back also
  gives the order back to the source dispatcher (status ``returned``);
- source dispute -> the province_supervisor decides: ``target`` moves the order back to the
  target (its order reopens as ``received``), ``source`` leaves it with the source city;
- every change of a transferred-in order is forwarded to the source timeline (``progress``).

The receivers of the other city's events are in ``transfer_receivers.py``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tenants import current_tenant, db, tenant_context
from tenants.context import lookup
from tenants.models import Tenant

from ..audit import service as audit
from ..audit.models import AuditEntry
from ..auth.principal import Principal
from ..errors import Conflict, NotFound
from ..orders import topics
from ..orders.events import changed, notify, snapshot
from ..orders.intake import intake
from ..orders.models import Order
from ..orders.service import actor_of
from ..outbox.models import OutboxMessage
from ..outbox.service import publish
from ..pii import PhoneVault
from .models import Transfer

log = logging.getLogger(__name__)

TRANSFER_ACTOR = "province-transfer"
SYSTEM = audit.Actor.system(TRANSFER_ACTOR)
REMOTE = "transfer.remote"
REQUESTED = topics.TRANSFER_REQUESTED
# Order events not forwarded to the source timeline (covered by their own entries, or noise).
SILENT = frozenset({"received", "seeded", "deadline_warning", "transfer_sent_back", "transfer_reinstated"})


def now() -> datetime:
    return datetime.now(UTC)


def slugs(ids: set[int] | None = None) -> dict[int, str]:
    stmt = select(Tenant.id, Tenant.slug)
    if ids is not None:
        stmt = stmt.where(Tenant.id.in_(ids))
    return {r.id: r.slug for r in db.session.execute(stmt)}


def _slug(tenant_id: int) -> str:
    found = slugs({tenant_id})
    if tenant_id not in found:
        raise NotFound(f"the city of this transfer (tenant {tenant_id}) no longer exists")
    return found[tenant_id]


def _lock_order(order_id: int) -> Order:
    order = db.session.scalars(select(Order).where(Order.id == order_id).with_for_update(of=Order)).first()
    if order is None:
        raise NotFound(f"no order {order_id} in this city")
    return order


def _move(order: Order, to_state: str, transferred_to: str | None) -> dict[str, Any]:
    """Change the order's state; returns its columns before (for the event)."""
    before = snapshot(order)
    order.status, order.transferred_to = to_state, transferred_to
    order.version += 1
    order.updated_at = now()
    return before


def _recorded(order_id: int, action: str, key: str) -> bool:
    stmt = select(AuditEntry.seq).where(
        AuditEntry.order_id == order_id, AuditEntry.action == action, AuditEntry.data["key"].astext == key
    )
    return db.session.scalar(stmt.limit(1)) is not None


def _once(order_id: int, action: str, key: str, **data: Any) -> None:
    """A timeline entry written at most once per key (receivers of at-least-once messages)."""
    if not _recorded(order_id, action, key):
        audit.record(action, actor=SYSTEM, order_id=order_id, key=key, **data)


def _tell(t: Transfer, event: str, **data: Any) -> None:
    """Tell the other city of this transfer (the target for a dispute or decision, else the source)."""
    other = t.target_tenant_id if event in ("decided", "disputed") else t.source_tenant_id
    publish(
        REMOTE,
        {"transfer_id": t.id, "event": event, **data},
        key=f"transfer:{t.id}:{event}",
        destination=f"city:{_slug(other)}",
    )


# -- the source's request reaches the target ------------------------------------------------------
def _carried_over(order: Order) -> dict[str, Any]:
    """The intake body of the target's copy: the appeal and its caller, not this city's handling."""
    phone = PhoneVault.from_app().decrypt(order.caller_phone_enc) if order.caller_phone_enc else None
    location = (
        {"lat": order.lat, "lng": order.lng} if order.lat is not None and order.lng is not None else None
    )
    return {
        "channel": order.channel,
        "appeal_type": order.appeal_type,
        "category_code": order.category_code,
        "urgency": order.urgency,
        "title": order.title,
        "content": order.content,
        "caller": {
            "name": order.caller_name,
            "phone": phone,
            "language": order.caller_language,
            "needs": list(order.caller_needs or []),
        },
        "confidential": order.confidential,
        "address": order.address,
        "district_code": None,
        "location": location,
        "source_ref": order.number,
    }


def on_transfer_requested(message: OutboxMessage) -> None:
    """Outbox handler (source relay): create the order and the transfer row in the target, once."""
    source = current_tenant()
    payload = message.payload
    order = db.session.get(Order, payload["order_id"])
    if order is None:
        log.warning("transfer message %s: source order %s is gone", message.id, payload["order_id"])
        return
    target = lookup(payload["to_tenant"], fresh=True)
    system = Principal(subject="system:" + TRANSFER_ACTOR, username=TRANSFER_ACTOR, roles=frozenset())
    with tenant_context(target):
        t = db.session.scalars(
            select(Transfer).where(
                Transfer.source_tenant_id == source.id, Transfer.source_message_id == message.id
            )
        ).first()
        if t is None:
            created = intake(system, _carried_over(order), f"transfer:{source.slug}:{message.id}").order
            t = Transfer(
                source_tenant_id=source.id,
                source_order_id=order.id,
                source_number=order.number,
                source_message_id=message.id,
                target_tenant_id=target.id,
                target_order_id=created.id,
                target_number=created.number,
                status="pending",
                reason=payload["reason"],
                requested_at=message.created_at,
            )
            db.session.add(t)
            db.session.flush()
            audit.record(
                "transfer.received",
                actor=SYSTEM,
                order=created,
                transfer=t.id,
                source_tenant=source.slug,
                source_number=order.number,
                reason=payload["reason"],
            )
            db.session.commit()
        transfer_id, target_number = t.id, t.target_number
    _once(
        order.id,
        "transfer.delivered",
        f"transfer:{transfer_id}:delivered",
        transfer=transfer_id,
        to_tenant=target.slug,
        target_number=target_number,
    )


# -- the target answers ----------------------------------------------------------------------------
def _mine(transfer_id: int, side: str) -> Transfer:
    t = db.session.get(Transfer, transfer_id, with_for_update=True)
    me = current_tenant().id
    if t is None or getattr(t, f"{side}_tenant_id") != me:
        raise NotFound(f"no transfer {transfer_id} {'to' if side == 'target' else 'from'} this city")
    return t


def accept(principal: Principal, transfer_id: int) -> Transfer:
    t = _mine(transfer_id, "target")
    if t.status != "pending":
        raise Conflict(f"this transfer is {t.status}, not pending")
    t.status, t.responded_by, t.responded_at, t.updated_at = "accepted", principal.username, now(), now()
    audit.record("transfer.accepted", actor=actor_of(principal), order_id=t.target_order_id, transfer=t.id)
    _tell(t, "accepted", by=principal.username)
    return t


def send_back(principal: Principal, transfer_id: int, reason: str) -> Transfer:
    t = _mine(transfer_id, "target")
    if t.status != "pending":
        raise Conflict(f"this transfer is {t.status}, not pending")
    order = _lock_order(t.target_order_id)
    if order.status != "received":
        raise Conflict(
            f"the order is already being handled here ({order.status}); it can no longer be sent back"
        )
    source = _slug(t.source_tenant_id)
    before = _move(order, "transferred", source)
    audit.record(
        "transfer.sent_back",
        actor=actor_of(principal),
        order=order,
        transfer=t.id,
        to_tenant=source,
        reason=reason,
        **{"from": before["status"], "to": order.status},
    )
    notify(changed(order, "transfer_sent_back", before))
    t.status, t.send_back_reason = "sent_back", reason
    t.responded_by, t.responded_at, t.updated_at = principal.username, now(), now()
    _tell(t, "sent_back", by=principal.username)
    return t


def dispute(principal: Principal, transfer_id: int, reason: str) -> Transfer:
    """The source insists the order belongs to the target: the province decides."""
    t = _mine(transfer_id, "source")
    if t.status != "sent_back" or t.source_returned_at is None:
        raise Conflict(f"only a sent-back transfer that reached this city can be disputed (it is {t.status})")
    order = _lock_order(t.source_order_id)
    if order.status != "returned":
        raise Conflict(f"the order is already being handled here ({order.status}); nothing to dispute")
    t.status, t.dispute_reason = "disputed", reason
    t.disputed_by, t.disputed_at, t.updated_at = principal.username, now(), now()
    audit.record(
        "transfer.disputed", actor=actor_of(principal), order_id=order.id, transfer=t.id, reason=reason
    )
    _tell(t, "disputed", by=principal.username)
    return t


def source_city(transfer_id: int) -> str:
    """The city whose transaction decides a transfer (the source)."""
    head = db.session.get(Transfer, transfer_id)
    if head is None:
        raise NotFound(f"no transfer {transfer_id}")
    return _slug(head.source_tenant_id)


def decide(principal: Principal, transfer_id: int, handled_by: str, note: str | None) -> Transfer:
    """province_supervisor: which city handles a disputed transfer (bound: its ``source_city``)."""
    t = db.session.get(Transfer, transfer_id, with_for_update=True)
    if t is None or t.source_tenant_id != current_tenant().id:
        raise NotFound(f"no transfer {transfer_id} from this city")
    if t.status != "disputed":
        raise Conflict(f"only a disputed transfer can be decided (it is {t.status})")
    order = _lock_order(t.source_order_id)
    data = {"transfer": t.id, "handled_by": handled_by, "note": note}
    before = None
    if handled_by == "target":
        if order.status != "returned":
            raise Conflict(f"the source city already handles the order ({order.status})")
        before = _move(order, "transferred", _slug(t.target_tenant_id))
        data.update({"from": before["status"], "to": order.status})
    audit.record("transfer.decided", actor=actor_of(principal), order=order, **data)
    if before is not None:
        notify(changed(order, "transfer_decided", before))
    t.status, t.decision, t.decision_note = "decided", handled_by, note
    t.decided_by, t.decided_at, t.updated_at = principal.username, now(), now()
    _tell(t, "decided", by=principal.username, handled_by=handled_by)
    return t
