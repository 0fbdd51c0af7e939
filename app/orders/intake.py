"""Intake (一号受理): one order per appeal, whatever the channel.

Idempotent on ``Idempotency-Key``: the first request inserts the key; concurrent ones
wait on its unique index and then return the same order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from tenants import current_tenant, db

from ..audit import service as audit
from ..auth.principal import Principal
from ..errors import DomainError
from ..pii import PhoneVault, mask_phone, normalize_phone
from ..pii.crypto import InvalidPhone
from . import references
from .events import OrderChanged, notify
from .intake_insert import insert_order
from .models import IdempotencyKey, Order
from .numbers import number_prefix
from .service import actor_of, hold, now


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


@dataclass(frozen=True)
class RepeatCandidate:
    id: int
    number: str
    status: str
    created_at: datetime
    caller_phone_hash: str | None


class IntakeResult(NamedTuple):
    order: Order
    created: bool  # False: an idempotent replay of an earlier request
    repeat_candidates: list[RepeatCandidate]


def _insert(values: dict[str, Any]) -> tuple[Order, list[RepeatCandidate]]:
    """One statement: the row, its number and the repeat search; the row becomes a persistent Order."""
    ref = current_tenant()
    row, found = insert_order(ref.schema, number_prefix(ref.order_prefix, values["created_at"]), values)
    return _persistent(db.session, row), [
        RepeatCandidate(**{**r, "created_at": datetime.fromisoformat(r["created_at"])}) for r in found
    ]


def _persistent(session, row: dict[str, Any]) -> Order:
    """A real ``Order`` in the session's identity map, as if loaded: no flush, no second query."""
    order = Order()
    order.__dict__.update(row)
    set_committed_value(order, "assignments", [])  # a new order has none: no lazy load later
    make_transient_to_detached(order)
    session.add(order)
    return hold(order)


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


def intake(principal: Principal, body: dict[str, Any], idempotency_key: str | None = None) -> IntakeResult:
    """Create the order (or return the one an earlier request with the same key created)."""
    if idempotency_key:
        previous = _claim_key(idempotency_key, body)
        if previous is not None:
            return IntakeResult(previous, False, [])
    references.check_intake(body)
    received = now()
    location = body.get("location") or {}
    values: dict[str, Any] = {
        "status": "received",
        "channel": body["channel"],
        "appeal_type": body["appeal_type"],
        "category_code": body.get("category_code"),
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
    order, repeats = _insert(values)
    if idempotency_key:
        db.session.execute(
            IdempotencyKey.__table__.update()
            .where(IdempotencyKey.key == idempotency_key)
            .values(order_id=order.id)
        )
    details = {
        "channel": order.channel,
        "category": order.category_code,
        "appeal_type": order.appeal_type,
        "urgency": order.urgency,
        "repeat_of": order.repeat_of_id,
        "sla_fallback_years": deadlines.fallback_years,
    }
    audit.record("order.received", actor=actor_of(principal), order=order, **details)
    notify(OrderChanged.of_new(order, **details))
    return IntakeResult(order, True, repeats)
