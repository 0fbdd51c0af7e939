"""Intake (一号受理): one order per appeal, whatever the channel.

Idempotent on ``Idempotency-Key``: the first request inserts the key; concurrent ones
wait on its unique index and then return the same order.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    DateTime,
    Insert,
    MetaData,
    Numeric,
    String,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
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
from .events import ORDER_COLUMNS, OrderChanged, notify
from .models import IdempotencyKey, Order
from .numbers import next_number, number_prefix
from .service import actor_of, now

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


# The repeat search (重复诉求) folded into the INSERT: same caller, or same district, category and
# address, within REPEAT_WINDOW; the newest is ``repeat_of_id``, all are ``repeat_candidates``.
_REPEAT_COLUMNS = ("id", "number", "status", "created_at", "caller_phone_hash")
_SEARCH_COLUMNS = ("caller_phone_hash", "district_code", "category_code", "address")
# What the database decides (the row's id, number and repeat link) or normalizes (timestamps in the
# session's time zone, numerics to their scale) comes back from the INSERT; the rest is what we sent.
_DECIDED = ("id", "number", "repeat_of_id")
_NORMALIZED_TYPES = (DateTime, Numeric)


_PER_SCHEMA = MetaData()  # holds the per-schema copies of ``orders``
_tables: dict[str, Table] = {}  # a copy appears here only once complete
_tables_lock = threading.Lock()


def orders_in(schema: str) -> Table:
    """``orders`` of one city schema, a copy of the model's table: its statements need no schema
    translation per execution (the schema comes from the tenant registry, never from a request)."""
    table = _tables.get(schema)
    if table is None:
        with _tables_lock:  # two threads' first intake in a city must not both copy it
            table = _tables.get(schema)
            if table is None:
                table = _tables[schema] = Order.__table__.to_metadata(_PER_SCHEMA, schema=schema)
    return table


@lru_cache(maxsize=1024)
def insert_statement(schema: str, columns: tuple[str, ...], same_caller: bool, same_place: bool) -> Insert:
    """INSERT ... RETURNING (and the repeats found), built from the model once per schema and shape.

    ``columns`` are the keys intake sends (the VALUES; the model's defaults fill the others);
    ``number`` is the city's next number, computed in SQL. SQLAlchemy caches the compiled form
    of each statement object, psycopg prepares it on the server.
    """
    t = orders_in(schema)
    number = next_number(bindparam("number_prefix", type_=String), schema)
    returning = [t.c[c] for c in _DECIDED]
    returning += [t.c[c] for c in columns if isinstance(t.c[c].type, _NORMALIZED_TYPES)]
    where = []
    if same_caller:
        where.append(t.c.caller_phone_hash == bindparam("same_caller_phone_hash"))
    if same_place:
        where.append(
            and_(
                t.c.district_code == bindparam("same_district_code"),
                t.c.category_code == bindparam("same_category_code"),
                t.c.address == bindparam("same_address"),
            )
        )
    if not where:
        return insert(t).values(number=number).returning(*returning)
    repeats = (
        select(*(t.c[c] for c in _REPEAT_COLUMNS))
        .where(
            or_(*where), t.c.created_at >= bindparam("repeat_since"), t.c.status != literal_column("'merged'")
        )
        .order_by(t.c.created_at.desc())
        .limit(bindparam("repeat_limit"))
        .cte("repeats")
    )
    newest = select(repeats.c.id).order_by(repeats.c.created_at.desc()).limit(literal_column("1"))
    pairs = (x for c in _REPEAT_COLUMNS for x in (literal_column(f"'{c}'"), repeats.c[c]))
    found = select(
        func.coalesce(
            func.json_agg(aggregate_order_by(func.json_build_object(*pairs), repeats.c.created_at.desc())),
            literal_column("'[]'::json"),
        )
    ).scalar_subquery()
    return (
        insert(t)
        .values(number=number, repeat_of_id=newest.scalar_subquery())
        .returning(*returning, found.label("repeats"))
        .add_cte(repeats)
    )


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
    same_caller = values["caller_phone_hash"] is not None
    same_place = bool(values["district_code"] and values["address"])
    ref = current_tenant()
    params = {**values, "number_prefix": number_prefix(ref.order_prefix, values["created_at"])}
    if same_caller or same_place:  # the search's own names: VALUES owns the column names
        params.update({f"same_{c}": values[c] for c in _SEARCH_COLUMNS})
        params.update(repeat_since=values["created_at"] - REPEAT_WINDOW, repeat_limit=REPEAT_LIMIT)
    session = db.session
    result = session.execute(insert_statement(ref.schema, tuple(values), same_caller, same_place), params)
    returned = result.one()._asdict()
    found = returned.pop("repeats", None) or []
    sent = result.last_inserted_params()  # with the model's defaults applied by SQLAlchemy
    row = {c: sent.get(c) for c in ORDER_COLUMNS} | returned
    return _persistent(session, row), [
        RepeatCandidate(**{**r, "created_at": datetime.fromisoformat(r["created_at"])}) for r in found
    ]


def _persistent(session, row: dict[str, Any]) -> Order:
    """A real ``Order`` in the session's identity map, as if loaded: no flush, no second query."""
    order = Order()
    order.__dict__.update(row)
    set_committed_value(order, "assignments", [])  # a new order has none: no lazy load later
    make_transient_to_detached(order)
    session.add(order)
    return order


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
