"""What 12345 sends the platforms (docs/integrations.md), through the outbox only.

- An escalation (``escalate``, topic ``order.escalated``) opens an ``out`` link; the adapter builds
  the EIDO at delivery from ``escalation``, so the caller's number leaves decrypted on the wire
  and is never written in clear to the outbox table.
- For an incident a platform handed us (an order of channel ``110`` etc. with an ``in`` link:
  a client of the orders API may file channel ``110`` orders too, and those have no incident),
  the order's steps go back as statuses (topic ``emergency.status``): dispatched, signed for
  (the lead department's sign-for), replied, closed.

Both use the platform's line ``emergency:<platform>``, so one platform's messages stay in order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from tenants import db

from ..catalog import service as catalog
from ..orders.events import OrderChanged
from ..orders.models import Order
from ..orders.workflow import EMERGENCY_TARGETS
from ..outbox.service import publish
from ..pii import PhoneVault
from . import mapping
from .models import Link

STATUS = "emergency.status"  # outbox topic: 12345's step on a platform's incident


def incident_of(order: Order) -> tuple[str, str] | None:
    """(platform, incident number) of an order a platform handed over, else None (one indexed
    read, only for orders of an emergency channel)."""
    if order.channel not in EMERGENCY_TARGETS:
        return None
    incident = db.session.scalar(
        select(Link.incident_id).where(
            Link.order_id == order.id, Link.platform == order.channel, Link.direction == "in"
        )
    )
    return (order.channel, incident) if incident else None


def _local_status(event: OrderChanged) -> tuple[str, str | None] | None:
    order = event.order
    if event.action == "dispatch":
        return "dispatched", f"lead department {order.lead_department}"
    if (
        event.action == "accept"
        and event.before_status == "dispatched"
        and event.after_status == "in_progress"
    ):
        return "signed_for", f"signed for by {order.lead_department}"
    if event.action == "reply":
        return "replied", order.reply_content
    if event.action == "close":
        return "closed", order.resolution
    return None


def observe_order(event: OrderChanged) -> None:
    """Orders observer (in the order's transaction): links escalations, reports steps back."""
    order = event.order
    if event.created:
        return
    if event.action == "escalate" and order.transferred_to in EMERGENCY_TARGETS:
        db.session.execute(  # a three-way call may have opened the link already (app/emergency/joint.py)
            pg_insert(Link)
            .values(order_id=order.id, platform=order.transferred_to, direction="out")
            .on_conflict_do_nothing(index_elements=["order_id", "platform", "direction"])
        )
        return
    step = _local_status(event)
    found = incident_of(order) if step else None
    if found is None:
        return
    platform, incident_id = found
    status, note = step
    publish(
        STATUS,
        {
            "order_id": order.id,
            "number": order.number,
            "platform": platform,
            "incident_id": incident_id,
            "status": status,
            "at": order.updated_at.isoformat(),
            "note": note,
        },
        key=f"emergency-status:{order.number}:{order.version}",
        destination=f"emergency:{platform}",
    )


def escalation(order: Order, platform: str, reason: str | None) -> dict[str, Any]:
    """What an escalation carries: the appeal, its place, the platform's class, the caller's number."""
    category = catalog.get_category(order.category_code) if order.category_code else None
    cls = mapping.class_for(platform, order.category_code)
    phone = PhoneVault.from_app().decrypt(order.caller_phone_enc) if order.caller_phone_enc else None
    return {
        "number": order.number,
        "title": order.title,
        "content": order.content,
        "category_code": order.category_code,
        "category_name": category.name if category is not None else None,
        "class_code": cls.class_code if cls is not None else None,
        "class_name": cls.class_name if cls is not None else None,
        "caller_phone": phone,  # 推送原始主叫号码: the emergency platform calls the citizen back
        "caller_name": None if order.confidential else order.caller_name,
        "address": order.address,
        "lat": order.lat,
        "lng": order.lng,
        "urgency": order.urgency,
        "created_at": order.created_at,
        "sent_at": order.updated_at,
        "reason": reason,
    }
