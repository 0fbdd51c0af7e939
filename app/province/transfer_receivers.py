"""Cross-city transfer, the receiving side: one city's transfer events applied in the other.

``on_remote`` (outbox topic ``transfer.remote``) applies an accept, send-back, dispute or
decision once; ``forward_progress`` (orders observer) sends every change of a transferred-in
order to the source city's timeline. See ``transfers.py`` for the steps that emit them.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from tenants import current_tenant, db, tenant_context

from ..audit import service as audit
from ..orders.events import OrderChanged, changed, notify
from ..outbox.models import OutboxMessage
from ..outbox.service import publish
from .models import Transfer
from .transfers import REMOTE, SILENT, SYSTEM, TRANSFER_ACTOR, _lock_order, _move, _once, _slug, now

log = logging.getLogger(__name__)


# -- receivers in the other city ----------------------------------------------------------------
def on_remote(message: OutboxMessage) -> None:
    """Outbox handler of ``transfer.remote``: apply an event of one city in the other, once."""
    p = message.payload
    event = p["event"]
    if event == "progress":
        return _progress(message)
    t = db.session.get(Transfer, p["transfer_id"])
    if t is None:
        return  # a dropped city took the transfer with it
    other = t.target_tenant_id if event in ("decided", "disputed") else t.source_tenant_id
    with tenant_context(_slug(other)):
        t = db.session.get(Transfer, p["transfer_id"], with_for_update=True)
        if event == "sent_back":
            _give_back(t)
        elif event == "decided" and t.decision == "target":
            _reinstate(t)
        else:
            order_id = t.target_order_id if other == t.target_tenant_id else t.source_order_id
            _once(
                order_id,
                f"transfer.{event}",
                message.key,
                transfer=t.id,
                by=p.get("by"),
                handled_by=p.get("handled_by"),
            )
        db.session.commit()


def _give_back(t: Transfer) -> None:
    """Source side of a send-back: the order returns to the source dispatcher (退回)."""
    if t.source_returned_at is not None:
        return
    order = _lock_order(t.source_order_id)
    target = _slug(t.target_tenant_id)
    if order.status == "transferred" and order.transferred_to == target:
        before = _move(order, "returned", None)
        audit.record(
            "transfer.sent_back",
            actor=SYSTEM,
            order=order,
            transfer=t.id,
            by_tenant=target,
            reason=t.send_back_reason,
            key=f"transfer:{t.id}:sent_back",
            **{"from": before["status"], "to": order.status},
        )
        notify(changed(order, "transfer_returned", before))
    t.source_returned_at = now()


def _reinstate(t: Transfer) -> None:
    """Target side of a decision for the target: its copy of the order is handled after all."""
    if t.target_reinstated_at is not None:
        return
    order = _lock_order(t.target_order_id)
    if order.status == "transferred":
        before = _move(order, "received", None)
        audit.record(
            "transfer.decided",
            actor=SYSTEM,
            order=order,
            transfer=t.id,
            handled_by="target",
            note=t.decision_note,
            key=f"transfer:{t.id}:decided",
            **{"from": before["status"], "to": order.status},
        )
        notify(changed(order, "transfer_reinstated", before))
    t.target_reinstated_at = now()


# -- what happens to a transferred-in order shows in the source timeline --------------------------------
def forward_progress(change: OrderChanged) -> None:
    """Orders observer: a transferred-in order's changes go to the source city (outbox, same transaction)."""
    order, event = change.order, change.action
    if order.created_by != TRANSFER_ACTOR or event in SILENT:
        return
    ref = current_tenant()
    t = _transfer_of(ref.id, order.id)
    if t is None:
        log.warning("order %s came from a transfer that no longer exists; nothing to forward", order.id)
        return
    publish(
        REMOTE,
        {
            "event": "progress",
            "target_tenant_id": ref.id,
            "target_order_id": order.id,
            "action": event,
            "status": change.after_status,
        },
        key=f"transfer:progress:{ref.id}:{order.id}:{order.version}:{event}",
        destination=f"city:{_slug(t.source_tenant_id)}",
    )


def _transfer_of(target_tenant_id: int, target_order_id: int) -> Transfer | None:
    return db.session.scalars(
        select(Transfer)
        .where(Transfer.target_tenant_id == target_tenant_id, Transfer.target_order_id == target_order_id)
        .order_by(Transfer.id.desc())
    ).first()


def _progress(message: OutboxMessage) -> None:
    p = message.payload
    t = _transfer_of(p["target_tenant_id"], p["target_order_id"])
    if t is None:
        return
    with tenant_context(_slug(t.source_tenant_id)):
        _once(
            t.source_order_id,
            "transfer.progress",
            message.key,
            transfer=t.id,
            target_number=t.target_number,
            target_action=p["action"],
            status=p["status"],
        )
        db.session.commit()
