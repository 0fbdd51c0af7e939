"""Joint handling (联动处置, 国办发〔2022〕12号; docs/integrations.md §Joint handling).

When ownership is unclear the agent holds a three-way call (三方通话: caller, 12345 and the
platform); if it stays unclear, the platform that took the call first handles it (首接负责).
Both are recorded on the order: an audit entry on its timeline and the fields of its link to
that platform (created when the order had none, e.g. a phone order discussed with 110).
Neither changes the order's state: an order that the platform should handle is then escalated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tenants import db

from ..audit import service as audit
from ..auth.principal import Principal
from ..errors import Conflict
from ..orders.service import actor_of, load_for_action
from .models import Link

OUTCOMES = ("12345", "platform", "unclear")  # who owns the matter after the call


def _link(order_id: int, platform: str) -> Link:
    links = db.session.scalars(
        select(Link).where(Link.order_id == order_id, Link.platform == platform).order_by(Link.id)
    ).all()
    if links:
        return links[0]
    link = Link(order_id=order_id, platform=platform, direction="out")
    db.session.add(link)
    return link


def _order(principal: Principal, order_id: int, if_match: int | None):
    order = load_for_action(principal, order_id, if_match, permission="orders.joint")
    if order.status == "merged":
        raise Conflict("a merged order is handled as the order it was merged into")
    return order


def three_way_call(
    principal: Principal, order_id: int, body: dict[str, Any], if_match: int | None = None
) -> Link:
    """Record the three-way call with ``platform`` and its outcome (12345, the platform, unclear)."""
    order = _order(principal, order_id, if_match)
    link = _link(order.id, body["platform"])
    link.three_way_call_at = datetime.now(UTC)
    link.three_way_call_note = body["note"]
    audit.record(
        "emergency.three_way_call",
        actor=actor_of(principal),
        order=order,
        platform=body["platform"],
        outcome=body["outcome"],
        note=body["note"],
    )
    return link


def first_receiver(
    principal: Principal, order_id: int, body: dict[str, Any], if_match: int | None = None
) -> Link:
    """Apply 首接负责: whoever took the call first handles it (a handed-over incident: the platform)."""
    order = _order(principal, order_id, if_match)
    link = _link(order.id, body["platform"])
    receiver = body.get("first_receiver") or (link.platform if link.direction == "in" else "12345")
    link.first_receiver = receiver
    audit.record(
        "emergency.first_receiver",
        actor=actor_of(principal),
        order=order,
        platform=body["platform"],
        first_receiver=receiver,
        reason=body["reason"],
    )
    return link
