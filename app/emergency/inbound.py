"""What a platform sends us (docs/integrations.md): incidents become orders, statuses land on timelines.

Both are idempotent by the sender's message id (``emergency_inbox``): a redelivered message is
answered with the first answer and changes nothing; the same id with other content is a 422.
Checks before this module (``integrations/emergency/api.py``): token, city, client, signature, EIDO.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from tenants import db

from ..audit import service as audit
from ..auth.principal import Principal
from ..errors import Conflict, DomainError, NotFound
from ..orders.intake import intake
from ..orders.models import Order
from ..orders.service import actor_of
from . import mapping
from .messages import Incident, StatusUpdate
from .models import InboxMessage, Link, Platform

APPEAL_TYPE = "help"  # 求助: what a non-police matter handed over by a platform is filed as


class ReusedMessageId(DomainError):
    status = 422


def _fingerprint(message: Incident | StatusUpdate) -> str:
    return hashlib.sha256(json.dumps(asdict(message), sort_keys=True, default=str).encode()).hexdigest()


def _claim(platform: str, message: Incident | StatusUpdate, kind: str) -> dict[str, Any] | None:
    """Record the message id (None) or return the answer of its first delivery (a redelivery)."""
    fp = _fingerprint(message)
    inserted = db.session.execute(
        pg_insert(InboxMessage)
        .values(platform=platform, message_id=message.message_id, kind=kind, fingerprint=fp, response={})
        .on_conflict_do_nothing()
        .returning(InboxMessage.message_id)
    ).first()
    if inserted is not None:
        return None
    first = db.session.get(InboxMessage, (platform, message.message_id), populate_existing=True)
    if first.fingerprint != fp or first.kind != kind:
        raise ReusedMessageId(
            f"message id {message.message_id!r} was already used for other content",
            errors={"json": {"hotline12345": {"messageId": ["already used for another message"]}}},
        )
    return dict(first.response)


def _answered(platform: str, message_id: str, order_id: int, response: dict[str, Any]) -> dict[str, Any]:
    db.session.execute(
        InboxMessage.__table__.update()
        .where(InboxMessage.platform == platform, InboxMessage.message_id == message_id)
        .values(order_id=order_id, response=response)
    )
    return response


def receive_incident(principal: Principal, platform: Platform, incident: Incident) -> tuple[dict, bool]:
    """File the incident as an order of channel ``110`` (etc.); returns (answer, created)."""
    code = platform.platform
    replay = _claim(code, incident, "incident")
    if replay is not None:
        return replay, False
    taken = db.session.scalars(
        select(Link).where(Link.platform == code, Link.incident_id == incident.incident_id)
    ).first()
    if taken is not None:
        raise Conflict(f"incident {incident.incident_id} of {code} is already order {taken.order_id}")
    mapped = mapping.resolve(code, incident.class_code)
    located = incident.lat is not None and incident.lng is not None
    body = {
        "channel": code,
        "appeal_type": APPEAL_TYPE,
        "category_code": mapped.category_code,
        "urgency": incident.urgency,
        "title": incident.title,
        "content": incident.content,
        "caller": {"phone": incident.caller_phone, "name": incident.caller_name},
        "confidential": False,
        "address": incident.address,
        "district_code": None,
        "location": {"lat": incident.lat, "lng": incident.lng} if located else None,
        "source_ref": f"{code}:{incident.incident_id}",
    }
    order = intake(principal, body).order
    db.session.add(
        Link(
            order_id=order.id,
            platform=code,
            direction="in",
            incident_id=incident.incident_id,
            police_dispatched=incident.police_dispatched,
            remote_status="new",
            remote_status_at=incident.occurred_at,
        )
    )
    audit.record(
        "emergency.incident_received",
        actor=actor_of(principal),
        order=order,
        platform=code,
        incident_id=incident.incident_id,
        message_id=incident.message_id,
        class_code=incident.class_code,
        class_name=mapped.class_name or incident.class_name,
        category=mapped.category_code,
        triage_reason=mapped.reason,
        police_dispatched=incident.police_dispatched,  # 联动处置: 110 handles the scene, 12345 the cause
    )
    answer = {
        "order_id": order.id,
        "number": order.number,
        "incident_id": incident.incident_id,
        "category_code": mapped.category_code,
        "triage": mapped.category_code is None,
    }
    return _answered(code, incident.message_id, order.id, answer), True


def _link_for(platform: str, update: StatusUpdate) -> Link:
    """The incident's link, locked; the first status of an escalation links it by order number."""
    link = db.session.scalars(
        select(Link)
        .where(Link.platform == platform, Link.incident_id == update.incident_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if link is not None:
        return link
    if not update.order_number:
        raise NotFound(
            f"no incident {update.incident_id} of {platform} here: the first status of an escalation "
            "names its order (hotline12345.orderNumber)"
        )
    link = db.session.scalars(
        select(Link)
        .join(Order, Order.id == Link.order_id)
        .where(Order.number == update.order_number, Link.platform == platform, Link.direction == "out")
        .with_for_update(of=Link)
        .execution_options(populate_existing=True)
    ).first()
    if link is None:
        raise NotFound(f"no order {update.order_number} escalated to {platform} in this city")
    if link.incident_id is not None and link.incident_id != update.incident_id:
        raise Conflict(f"order {update.order_number} is incident {link.incident_id} of {platform}")
    link.incident_id = update.incident_id
    return link


def receive_status(principal: Principal, platform: Platform, update: StatusUpdate) -> tuple[dict, bool]:
    """Put the platform's step on the order's timeline (once per message id); returns (answer, created)."""
    code = platform.platform
    replay = _claim(code, update, "status")
    if replay is not None:
        return replay, False
    link = _link_for(code, update)
    if link.remote_status_at is None or update.at >= link.remote_status_at:  # late arrivals keep the latest
        link.remote_status, link.remote_status_at = update.status, update.at
    if update.status == "dispatched" and link.direction == "in":
        link.police_dispatched = True  # joint handling: the platform sent responders to our order's scene
    audit.record(
        "emergency.status",
        actor=actor_of(principal),
        order_id=link.order_id,
        platform=code,
        incident_id=update.incident_id,
        message_id=update.message_id,
        status=update.status,
        at=update.at.isoformat(),
        note=update.note,
        direction=link.direction,
    )
    number = db.session.scalar(select(Order.number).where(Order.id == link.order_id))
    answer = {
        "order_id": link.order_id,
        "number": number,
        "incident_id": update.incident_id,
        "status": update.status,
    }
    return _answered(code, update.message_id, link.order_id, answer), True
