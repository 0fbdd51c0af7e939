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

from sqlalchemy import Text, cast, func, insert, literal, literal_column, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
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

ORDERS = Order.__table__
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


def _repeats_cte(values: dict[str, Any]):
    """Earlier orders from the same caller, or the same place and subject, in the window (重复诉求)."""
    clauses = []
    if values.get("caller_phone_hash"):
        clauses.append(ORDERS.c.caller_phone_hash == values["caller_phone_hash"])
    if values.get("district_code") and values.get("address"):
        clauses.append(
            (ORDERS.c.district_code == values["district_code"])
            & (ORDERS.c.category_code == values["category_code"])
            & (ORDERS.c.address == values["address"])
        )
    if not clauses:
        return None
    return (
        select(ORDERS.c.id, ORDERS.c.number, ORDERS.c.status, ORDERS.c.created_at, ORDERS.c.caller_phone_hash)
        .where(or_(*clauses), ORDERS.c.created_at >= now() - REPEAT_WINDOW, ORDERS.c.status != "merged")
        .order_by(ORDERS.c.created_at.desc())
        .limit(REPEAT_LIMIT)
        .cte("repeats")
    )


class NewOrder:
    """A just-inserted order as plain data: intake builds no ORM entity (one statement, no flush)."""

    def __init__(self, row: dict[str, Any], repeats: list[dict[str, Any]]):
        self.__dict__.update(row)
        self.assignments: list = []
        self.repeat_candidates = [
            SimpleNamespace(**{**r, "created_at": datetime.fromisoformat(r["created_at"])}) for r in repeats
        ]


def _insert(values: dict[str, Any]) -> NewOrder:
    """INSERT ... RETURNING the whole row, with the repeat search folded into the same statement."""
    repeats = _repeats_cte(values)
    stmt = insert(ORDERS)
    found = literal_column("'[]'")
    if repeats is not None:
        values["repeat_of_id"] = select(repeats.c.id).limit(1).scalar_subquery()
        found = select(
            func.coalesce(
                func.json_agg(
                    aggregate_order_by(
                        func.json_build_object(
                            "id",
                            repeats.c.id,
                            "number",
                            repeats.c.number,
                            "status",
                            repeats.c.status,
                            "created_at",
                            repeats.c.created_at,
                            "caller_phone_hash",
                            repeats.c.caller_phone_hash,
                        ),
                        repeats.c.created_at.desc(),
                    )
                ),
                literal_column("'[]'::json"),
            )
        ).scalar_subquery()
        stmt = stmt.add_cte(repeats)
    row = (
        db.session.execute(stmt.values(**values).returning(*ORDERS.c, found.label("repeats"))).one()._mapping
    )
    data = {k: v for k, v in row.items() if k != "repeats"}
    found_rows = row["repeats"] if isinstance(row["repeats"], list) else json.loads(row["repeats"] or "[]")
    return NewOrder(data, found_rows)


def _caller_columns(caller: dict[str, Any]) -> dict[str, Any]:
    values = {
        "caller_name": caller.get("name"),
        "caller_language": caller.get("language"),
        "caller_needs": caller.get("needs") or [],
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
    values["number"] = _order_number(references.local_date(received))
    order = _insert(values)
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
