"""What a caller may see of an order: masking, confidential callers, audited reveals."""

from __future__ import annotations

from typing import Any

from ..audit import service as audit
from ..auth.policy import require
from ..auth.principal import Principal
from ..pii import PhoneVault
from .models import Order
from .service import actor_of, may


def present(order: Order, principal: Principal, *, reveal_phone: bool = False) -> dict[str, Any]:
    data = {c: getattr(order, c) for c in _PLAIN}
    data["overdue"] = order.overdue_at is not None
    data["location"] = {"lat": order.lat, "lng": order.lng} if order.lat is not None else None
    data["assignments"] = list(order.assignments)
    data["repeat_candidates"] = [
        {
            "id": r.id,
            "number": r.number,
            "status": r.status,
            "created_at": r.created_at,
            "reason": "same_caller"
            if r.caller_phone_hash and r.caller_phone_hash == order.caller_phone_hash
            else "same_place",
        }
        for r in getattr(order, "repeat_candidates", [])
    ]
    data["caller"] = _caller(order, principal, reveal_phone)
    return data


def _caller(order: Order, principal: Principal, reveal_phone: bool) -> dict[str, Any] | None:
    if order.confidential and not may(principal, "orders.see_confidential_caller"):
        return None  # departments never learn who a confidential caller is
    phone = order.caller_phone_masked
    if reveal_phone and order.caller_phone_enc:
        require(principal, "orders.reveal_phone")
        phone = PhoneVault.from_app().decrypt(order.caller_phone_enc)
        audit.record("caller.phone_revealed", actor=actor_of(principal), order=order)
    return {
        "name": order.caller_name,
        "phone": phone,
        "language": order.caller_language,
        "needs": list(order.caller_needs or []),
    }


_PLAIN = (
    "id",
    "number",
    "status",
    "channel",
    "appeal_type",
    "category_code",
    "urgency",
    "title",
    "content",
    "confidential",
    "address",
    "district_code",
    "lead_department",
    "due_at",
    "warn_at",
    "accept_due_at",
    "return_due_at",
    "overdue_at",
    "sla_fallback",
    "extension_pending",
    "reply_content",
    "reply_outcome",
    "resolution",
    "direct_closure",
    "satisfaction",
    "resolved",
    "reopen_count",
    "return_count",
    "repeat_of_id",
    "merged_into_id",
    "transferred_to",
    "source_ref",
    "created_by",
    "created_at",
    "updated_at",
    "dispatched_at",
    "accepted_at",
    "replied_at",
    "closed_at",
    "version",
)
