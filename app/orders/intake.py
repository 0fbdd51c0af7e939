"""Intake (一号受理): one order per appeal, whatever the channel.

Idempotent on ``Idempotency-Key``: the first request inserts the key; concurrent ones
wait on its unique index and then return the same order.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Text, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from tenants import current_tenant, db

from ..audit import service as audit
from ..auth.principal import Principal
from ..errors import DomainError
from ..pii import PhoneVault, mask_phone, normalize_phone
from ..pii.crypto import InvalidPhone
from . import references
from .models import ORDER_NUMBER_SEQ, IdempotencyKey, Order
from .service import actor_of, notify, now

REPEAT_WINDOW = timedelta(days=30)
REPEAT_LIMIT = 5


class IdempotencyMismatch(DomainError):
    status = 422


def fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _claim_key(key: str, body: dict[str, Any]) -> Order | None:
    """Insert the key; if someone else holds it, return their order (or refuse a different body)."""
    fp = fingerprint(body)
    inserted = db.session.execute(
        pg_insert(IdempotencyKey).values(key=key, fingerprint=fp).on_conflict_do_nothing().returning(
            IdempotencyKey.key
        )
    ).first()
    if inserted is not None:
        return None
    existing = db.session.get(IdempotencyKey, key)
    if existing.fingerprint != fp:
        raise IdempotencyMismatch("this Idempotency-Key was already used with a different body")
    return db.session.get(Order, existing.order_id)


def _order_number(received_local_date: str):
    prefix = current_tenant().order_prefix
    serial = func.lpad(cast(ORDER_NUMBER_SEQ.next_value(), Text), 6, "0")
    return func.concat(literal(f"{prefix}-{received_local_date}-"), serial)


def find_repeats(order: Order) -> list[Order]:
    """Earlier open or recent orders from the same caller, or the same place and subject (重复诉求)."""
    clauses = []
    if order.caller_phone_hash:
        clauses.append(Order.caller_phone_hash == order.caller_phone_hash)
    if order.district_code and order.address:
        clauses.append(
            (Order.district_code == order.district_code)
            & (Order.category_code == order.category_code)
            & (Order.address == order.address)
        )
    if not clauses:
        return []
    stmt = (
        select(Order)
        .where(or_(*clauses), Order.created_at >= now() - REPEAT_WINDOW, Order.status != "merged")
        .order_by(Order.created_at.desc())
        .limit(REPEAT_LIMIT)
    )
    return list(db.session.scalars(stmt))


def intake(principal: Principal, body: dict[str, Any], idempotency_key: str | None = None) -> tuple[Order, bool]:
    """Create the order; returns (order, created). ``created`` is False for an idempotent replay."""
    if idempotency_key:
        previous = _claim_key(idempotency_key, body)
        if previous is not None:
            return previous, False
    references.check_intake(body)
    received = now()
    caller = body.get("caller") or {}
    phone = caller.get("phone")
    vault = PhoneVault.from_app()
    order = Order(
        status="received",
        channel=body["channel"],
        appeal_type=body["appeal_type"],
        category_code=body["category_code"],
        urgency=body.get("urgency") or "normal",
        title=body.get("title") or body["content"][:40],
        content=body["content"],
        caller_name=caller.get("name"),
        caller_language=caller.get("language"),
        caller_needs=caller.get("needs") or [],
        confidential=bool(body.get("confidential")),
        address=body.get("address"),
        district_code=body.get("district_code"),
        lat=(body.get("location") or {}).get("lat"),
        lng=(body.get("location") or {}).get("lng"),
        created_by=principal.username,
        source_ref=body.get("source_ref"),
        created_at=received,
        updated_at=received,
    )
    if phone:
        try:
            digits = normalize_phone(phone)
        except InvalidPhone as exc:
            raise DomainError(str(exc), errors={"json": {"caller": {"phone": [str(exc)]}}}, status=422) from exc
        order.caller_phone_enc = vault.encrypt(digits)
        order.caller_phone_hash = vault.lookup_hash(digits)
        order.caller_phone_masked = mask_phone(digits)
    deadlines = references.deadlines(received, order.appeal_type, order.urgency)
    order.due_at, order.warn_at = deadlines.due_at, deadlines.warn_at
    order.sla_fallback = bool(deadlines.fallback_years)
    order.number = _order_number(references.local_date(received))
    repeats = find_repeats(order)
    if repeats:
        order.repeat_of_id = repeats[0].id
    db.session.add(order)
    db.session.flush()  # id and number (RETURNING) for the key, the audit and the response
    if idempotency_key:
        db.session.execute(
            IdempotencyKey.__table__.update().where(IdempotencyKey.key == idempotency_key).values(order_id=order.id)
        )
    order.repeat_candidates = repeats  # type: ignore[attr-defined]  # response only
    audit.record(
        "order.received",
        actor=actor_of(principal),
        order=order,
        channel=order.channel,
        category=order.category_code,
        appeal_type=order.appeal_type,
        urgency=order.urgency,
        repeat_of=order.repeat_of_id,
        sla_fallback_years=deadlines.fallback_years,
    )
    notify(order, "received")
    return order, True
