"""What a utility answers: sign-for, reply, return (and assist-reply, extension requests).

Each message runs the same order action a department user would (``orders.actions.perform``)
as the department's system principal, so time limits, KPIs and the timeline are those of any
department. A message is applied once: its id is claimed in the same transaction as the action
(``INSERT ... ON CONFLICT DO NOTHING``), so a redelivery, even a concurrent one, answers the
stored result and changes nothing; a failed action rolls the claim back with it.
See docs/integrations.md, "Utilities".
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from tenants import current_tenant, db

from ..auth.principal import Principal, Role
from ..errors import Conflict, DomainError, NotFound
from ..orders import actions
from ..orders.models import Order
from ..orders.schemas import ACTION_BODIES
from .models import UtilityMessage
from .schemas import UtilityMessageIn

# what a utility may send: the department-scoped actions of the workflow
ACTIONS = ("accept", "assist-reply", "reply", "return", "request-extension")


class Malformed(DomainError):
    status = 400


def principal_of(code: str) -> Principal:
    """The department's system user: a handler of that department, named for the timeline."""
    slug = current_tenant().slug
    name = f"utility.{code}@{slug}"
    return Principal(
        subject=f"utility:{slug}:{code}",
        username=name,
        roles=frozenset({Role.HANDLER}),
        tenant=slug,
        department=code,
    )


def fingerprint(msg: dict[str, Any]) -> str:
    """What makes a message the same message: its order, action and body (not ``sent_at``)."""
    canonical = json.dumps([msg["order_number"], msg["action"], msg["body"]], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse(data: Any) -> dict[str, Any]:
    """The message and the action's own body, validated by the action's API schema (400)."""
    if not isinstance(data, dict):
        raise Malformed("the body must be a JSON object")
    try:
        msg = UtilityMessageIn().load(data)
    except ValidationError as exc:
        raise Malformed("invalid message", errors={"json": exc.messages}) from exc
    fields = ACTION_BODIES[msg["action"]]._declared_fields
    try:
        msg["body"] = ACTION_BODIES[msg["action"]]().load(
            {k: v for k, v in data.items() if k in fields and v is not None}
        )
    except ValidationError as exc:
        raise Malformed(f"invalid {msg['action']} message", errors={"json": exc.messages}) from exc
    return msg


def apply(code: str, msg: dict[str, Any]) -> dict[str, Any]:
    """Apply a parsed message of department ``code`` once; the caller commits."""
    digest = fingerprint(msg)
    claim = (
        insert(UtilityMessage)
        .values(
            department_code=code,
            message_id=msg["message_id"],
            fingerprint=digest,
            order_id=0,
            action=msg["action"],
            result={},
        )
        .on_conflict_do_nothing()
        .returning(UtilityMessage.message_id)
    )
    if db.session.execute(claim).first() is None:
        return _replayed(code, msg["message_id"], digest)
    order_id = db.session.scalar(select(Order.id).where(Order.number == msg["order_number"]))
    if order_id is None:
        raise NotFound(f"no order {msg['order_number']} in this city")
    event = actions.perform(
        principal_of(code),
        order_id,
        msg["action"],
        msg["body"],
        via={"via": "utility", "message_id": msg["message_id"]},
    )
    order = event.order
    result = {
        "message_id": msg["message_id"],
        "order_id": order.id,
        "order_number": order.number,
        "action": msg["action"],
        "status": order.status,
        "version": order.version,
    }
    row = db.session.get(UtilityMessage, (code, msg["message_id"]))
    row.order_id, row.result = order.id, result
    return {**result, "duplicate": False}


def _replayed(code: str, message_id: str, digest: str) -> dict[str, Any]:
    prior = db.session.scalars(
        select(UtilityMessage)
        .where(UtilityMessage.department_code == code, UtilityMessage.message_id == message_id)
        .execution_options(populate_existing=True)
    ).one()
    if prior.fingerprint != digest:
        raise Conflict(f"message {message_id} was already received with another body")
    return {**prior.result, "duplicate": True}
