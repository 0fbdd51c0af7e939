"""Intake (一号受理): one order per appeal, whatever the channel.

Idempotent on ``Idempotency-Key``: the first request inserts the key; concurrent ones
wait on its unique index and then return the same order.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Text, cast, func, literal
from sqlalchemy.dialects.postgresql import insert as pg_insert

from tenants import current_tenant, db

from ..audit import service as audit
from ..auth.principal import Principal
from ..errors import DomainError
from ..pii import PhoneVault, mask_phone, normalize_phone
from ..pii.crypto import InvalidPhone
from . import references
from .intake_sql import insert_statement
from .models import ORDER_NUMBER_SEQ, IdempotencyKey, Order
from .service import actor_of, notify, now

REPEAT_WINDOW = timedelta(days=30)
REPEAT_LIMIT = 5


class IdempotencyMismatch(DomainError):
    status = 422


def fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _claim_key(key: str, body: dict[str, Any]) -> Order | None:
    """Insert the key; if someone else holds it, return their order (or refuse a different body)."""
    fp = fingerprint(body)
    inserted = db.session.execute(
        pg_insert(IdempotencyKey)
        .values(key=key, fingerprint=fp)
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
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


class NewOrder:
    """A just-inserted order as plain data: intake builds no ORM entity (one statement, no flush)."""

    def __init__(self, row: dict[str, Any], repeats: list[dict[str, Any]]):
        self.__dict__.update(row)
        self.assignments: list = []
        self.repeat_candidates = [
            SimpleNamespace(**{**r, "created_at": datetime.fromisoformat(r["created_at"])}) for r in repeats
        ]


def _insert(values: dict[str, Any], number_prefix: str) -> NewOrder:
    """INSERT ... RETURNING the whole row, the repeat search folded into the same statement."""
    same_caller = values["caller_phone_hash"] is not None
    same_place = bool(values["district_code"] and values["address"])
    stmt = insert_statement(current_tenant().schema, same_caller, same_place)
    params = {
        **values,
        "number_prefix": number_prefix,
        "repeat_since": now() - REPEAT_WINDOW,
        "repeat_limit": REPEAT_LIMIT,
    }
    row = dict(db.session.execute(stmt, params).one()._mapping)
    found = row.pop("repeats")
    return NewOrder(row, found if isinstance(found, list) else json.loads(found or "[]"))


def _caller_columns(caller: dict[str, Any]) -> dict[str, Any]:
    values = {
        "caller_name": caller.get("name"),
        "caller_language": caller.get("language"),
        "caller_needs": caller.get("needs") or [],
        "caller_phone_enc": None,
        "caller_phone_hash": None,
        "caller_phone_masked": None,
    }
    if caller.get("phone"):
        try:
            digits = normalize_phone(caller["phone"])
        except InvalidPhone as exc:
            raise DomainError(
                str(exc), errors={"json": {"caller": {"phone": [str(exc)]}}}, status=422
            ) from exc
        vault = PhoneVault.from_app()
        values.update(
            caller_phone_enc=vault.encrypt(digits),
            caller_phone_hash=vault.lookup_hash(digits),
            caller_phone_masked=mask_phone(digits),
        )
    return values


def intake(
    principal: Principal, body: dict[str, Any], idempotency_key: str | None = None
) -> tuple[Order | NewOrder, bool]:
    """Create the order; returns (order, created). ``created`` is False for an idempotent replay."""
    if idempotency_key:
        previous = _claim_key(idempotency_key, body)
        if previous is not None:
            return previous, False
    references.check_intake(body)
    received = now()
    location = body.get("location") or {}
    values: dict[str, Any] = {
        "status": "received",
        "channel": body["channel"],
        "appeal_type": body["appeal_type"],
        "category_code": body["category_code"],
        "urgency": body.get("urgency") or "normal",
        "title": body.get("title") or body["content"][:40],
        "content": body["content"],
        "confidential": bool(body.get("confidential")),
        "address": body.get("address"),
        "district_code": body.get("district_code"),
        "lat": location.get("lat"),
        "lng": location.get("lng"),
        "created_by": principal.username,
        "source_ref": body.get("source_ref"),
        "created_at": received,
        "updated_at": received,
        **_caller_columns(body.get("caller") or {}),
    }
    deadlines = references.deadlines(received, values["appeal_type"], values["urgency"])
    values.update(
        due_at=deadlines.due_at, warn_at=deadlines.warn_at, sla_fallback=bool(deadlines.fallback_years)
    )
    prefix = f"{current_tenant().order_prefix}-{references.local_date(received)}-"
    order = _insert(values, prefix)
    if idempotency_key:
        db.session.execute(
            IdempotencyKey.__table__.update()
            .where(IdempotencyKey.key == idempotency_key)
            .values(order_id=order.id)
        )
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
