"""What a caller may see of an order: masked phones, no confidential callers. Only reads.

Revealing a phone is ``service.reveal_phone`` (audited); the view passes what it returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..accessibility.needs import needs_human
from ..auth.principal import Principal
from .events import ORDER_COLUMNS
from .models import Order
from .schemas import OrderOut
from .service import caller_visible


def present(
    order: Order,
    principal: Principal,
    *,
    phone: str | None = None,
    repeat_candidates: Sequence[Any] = (),
) -> dict[str, Any]:
    """The API's view of ``order``; ``phone``: the unmasked number a reveal returned."""
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
        for r in repeat_candidates
    ]
    data["caller"] = _caller(order, principal, phone)
    data["human_only"] = needs_human(list(order.caller_needs or []))  # 人工优先: elderly, impaired
    return data


def _caller(order: Order, principal: Principal, phone: str | None) -> dict[str, Any] | None:
    if not caller_visible(principal, order):
        return None
    return {
        "name": order.caller_name,
        "phone": phone or order.caller_phone_masked,
        "language": order.caller_language,
        "needs": list(order.caller_needs or []),
    }


# The order's own columns the API shows as they are: those OrderOut declares (one list, the schema's).
_PLAIN = tuple(name for name in OrderOut._declared_fields if name in ORDER_COLUMNS)
