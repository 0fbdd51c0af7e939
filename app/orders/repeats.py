"""The repeat search of intake, before saving: what the desk warns about while typing.

Same rule as the search folded into intake's INSERT (``intake_insert``): orders of the same
caller (phone lookup hash), or the same district, category and address, received within
``REPEAT_WINDOW`` and not merged, newest first, at most ``REPEAT_LIMIT``. Only a lookup:
nothing is written, no phone is decrypted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from tenants import db

from ..auth.principal import Principal
from ..auth.scope import restrict
from ..pii import PhoneVault, normalize_phone
from ..pii.crypto import InvalidPhone
from .intake_insert import REPEAT_LIMIT, REPEAT_WINDOW
from .models import Order
from .service import now


@dataclass(frozen=True)
class RepeatCandidate:
    id: int
    number: str
    status: str
    title: str
    created_at: datetime
    reason: str  # same_caller | same_place


def find_repeats(
    principal: Principal,
    *,
    phone: str | None = None,
    district_code: str | None = None,
    category_code: str | None = None,
    address: str | None = None,
) -> list[RepeatCandidate]:
    phone_hash = None
    if phone:
        try:
            phone_hash = PhoneVault.from_app().lookup_hash(normalize_phone(phone))
        except InvalidPhone:
            phone_hash = None  # intake will refuse it; nothing to match yet
    criteria = []
    if phone_hash:
        criteria.append(Order.caller_phone_hash == phone_hash)
    if district_code and category_code and address:
        criteria.append(
            (Order.district_code == district_code)
            & (Order.category_code == category_code)
            & (Order.address == address)
        )
    if not criteria:
        return []
    stmt = restrict(
        principal,
        "orders.read",
        select(Order.id, Order.number, Order.status, Order.title, Order.created_at, Order.caller_phone_hash)
        .where(or_(*criteria), Order.created_at >= now() - REPEAT_WINDOW, Order.status != "merged")
        .order_by(Order.created_at.desc())
        .limit(REPEAT_LIMIT),
    )
    return [
        RepeatCandidate(
            r.id,
            r.number,
            r.status,
            r.title,
            r.created_at,
            "same_caller" if phone_hash and r.caller_phone_hash == phone_hash else "same_place",
        )
        for r in db.session.execute(stmt)
    ]
