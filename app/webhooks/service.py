"""Webhooks: a city's third parties subscribe to order events; the outbox delivers them.

- The order observer turns a change into an event (PII-free: no caller, no citizen text, no
  address) and, in the order's own transaction, publishes one ``webhook.delivery`` message per
  active subscription that wants its type, each on the subscription's own line
  ``webhook:<id>``: every subscriber has its own order, back-off and dead letters, and a slow
  one holds back nobody else. Subscriptions are memoized a few seconds per process (``targets``),
  so a change of an order with no subscriber costs no query.
- The delivery adapter (integrations/webhooks) POSTs the event signed with the subscription's
  secret. Its outbox row is the delivery log; a replay is a new message with the same event.

The fan-out happens at publish rather than in the relay (one event message fanned out by its
handler): that would cost every event two relay passes, and the relay of a city is sequential,
so it halved what one city can deliver (bench/outbox.py). See docs/integrations.md, "Webhooks".
"""

from __future__ import annotations

import secrets as tokens
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, case, func, select, text

from tenants import current_tenant, db

from .. import egress
from ..audit import service as audit
from ..audit.service import Actor
from ..errors import DomainError, NotFound
from ..memo import forget, memo
from ..orders.events import OrderChanged
from ..outbox.models import WEBHOOK_LOG_SQL, OutboxMessage
from ..outbox.service import publish
from ..pii import PhoneVault
from .models import WebhookSubscription

DELIVERY = "webhook.delivery"  # outbox topic: one event to one subscription
MEMO_SCOPE = "webhooks"
_PURPOSE = b"webhook-subscription-secret"

# order change (workflow action or sweep mark) -> event type subscribers choose from
EVENT_TYPES: dict[str, str] = {
    "received": "order.created",
    "classify": "order.classified",
    "dispatch": "order.dispatched",
    "accept": "order.accepted",
    "assist-reply": "order.assist_replied",
    "return": "order.returned",
    "reject-return": "order.return_rejected",
    "request-extension": "order.extension_requested",
    "approve-extension": "order.extension_approved",
    "reject-extension": "order.extension_rejected",
    "reply": "order.replied",
    "reject-reply": "order.reply_rejected",
    "close": "order.closed",
    "callback": "order.callback",
    "reopen": "order.reopened",
    "supervise": "order.supervised",
    "merge": "order.merged",
    "transfer": "order.transferred",
    "escalate": "order.escalated",
    "deadline_warning": "order.deadline_warning",
    "overdue": "order.overdue",
}
KB_EXPIRING = "kb.articles_expiring"  # the knowledge validity job: a unit's articles run out soon
TYPES = (*dict.fromkeys(EVENT_TYPES.values()), KB_EXPIRING)
PING = "ping"

# the order's fields an event carries: codes, states and times, never who called or what they said
_ORDER_FIELDS = (
    "id",
    "number",
    "status",
    "channel",
    "appeal_type",
    "category_code",
    "urgency",
    "district_code",
    "lead_department",
    "transferred_to",
    "reply_outcome",
    "satisfaction",
    "version",
)
_ORDER_TIMES = ("created_at", "updated_at", "dispatched_at", "accept_due_at", "due_at", "closed_at")


# -- subscriptions -----------------------------------------------------------------------------
def _check_url(url: str) -> None:
    """No internal address as a target (app/egress.py); names are checked at each connection."""
    try:
        egress.check_stored(url)
    except egress.UnsafeTarget as exc:
        raise DomainError(
            "the URL points inside the platform's network", errors={"url": [str(exc)]}, status=422
        ) from exc


def create(data: Mapping[str, Any], actor: str) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (returned once, stored sealed)."""
    _check_url(data["url"])
    secret = "whsec_" + tokens.token_urlsafe(32)
    row = WebhookSubscription(
        url=data["url"],
        event_types=sorted(set(data["event_types"])),
        description=data.get("description"),
        secret_enc=PhoneVault.from_app().seal(secret, _PURPOSE),
        active=data.get("active", True),
        created_by=actor,
    )
    db.session.add(row)
    db.session.flush()
    forget(MEMO_SCOPE)
    return row, secret


def subscriptions() -> list[WebhookSubscription]:
    return list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def get(subscription_id: int, *, for_update: bool = False) -> WebhookSubscription:
    row = db.session.get(WebhookSubscription, subscription_id, with_for_update=for_update)
    if row is None:
        raise NotFound(f"no webhook subscription {subscription_id} in this city")
    return row


def update(subscription_id: int, changes: Mapping[str, Any]) -> WebhookSubscription:
    row = get(subscription_id, for_update=True)
    if "url" in changes:
        _check_url(changes["url"])
    for key in ("url", "description", "active"):
        if key in changes:
            setattr(row, key, changes[key])
    if "event_types" in changes:
        row.event_types = sorted(set(changes["event_types"]))
    db.session.flush()
    forget(MEMO_SCOPE)
    return row


def rotate_secret(subscription_id: int) -> tuple[WebhookSubscription, str]:
    row = get(subscription_id, for_update=True)
    secret = "whsec_" + tokens.token_urlsafe(32)
    row.secret_enc = PhoneVault.from_app().seal(secret, _PURPOSE)
    db.session.flush()
    forget(MEMO_SCOPE)
    return row, secret


def delete(subscription_id: int) -> None:
    """Gone for good: deliveries still waiting are refused (dead letters, listed)."""
    db.session.delete(get(subscription_id, for_update=True))
    db.session.flush()
    forget(MEMO_SCOPE)


def secret_of(row: WebhookSubscription) -> str:
    return PhoneVault.from_app().unseal(row.secret_enc, _PURPOSE)


@dataclass(frozen=True)
class Target:
    """What delivering to a subscription needs, as plain data (memoized a few seconds)."""

    id: int
    url: str
    secret: str
    active: bool
    event_types: frozenset[str]


def targets() -> dict[int, Target]:
    """Every subscription of the bound city by id: one query per process every few seconds, not
    one per event and delivery. Changes made in this process apply at once, others' within 5 s."""

    def load() -> dict[int, Target]:
        return {
            row.id: Target(row.id, row.url, secret_of(row), row.active, frozenset(row.event_types))
            for row in db.session.scalars(select(WebhookSubscription))
        }

    return memo(MEMO_SCOPE, "targets", load)


# -- events ------------------------------------------------------------------------------------
def observe_order(event: OrderChanged) -> None:
    """Publish the change to each active subscription that wants its type (same transaction)."""
    kind = EVENT_TYPES.get(event.action)
    if kind is None:
        return
    order = event.order
    publish_event(
        f"evt:{current_tenant().slug}:{order.number}:v{order.version}:{event.action}",
        kind,
        lambda: {
            "order": order_summary(order),
            "action": event.action,
            "from": event.before_status,
            "to": event.after_status,
        },
    )


def publish_event(event_id: str, kind: str, data: Callable[[], dict[str, Any]]) -> int:
    """One ``kind`` event to each active subscription of this city that wants it, in the
    caller's transaction; ``data`` is built only when someone does. Returns deliveries queued."""
    wanted = sorted(t.id for t in targets().values() if t.active and kind in t.event_types)
    if not wanted:
        return 0
    body = envelope(event_id, kind, data())
    for subscription_id in wanted:
        _deliver(subscription_id, body, key=f"{event_id}:{subscription_id}")
    return len(wanted)


def envelope(event_id: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": kind,
        "tenant": current_tenant().slug,
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": data,
    }


def order_summary(order) -> dict[str, Any]:
    summary = {name: getattr(order, name) for name in _ORDER_FIELDS}
    for name in _ORDER_TIMES:
        value = getattr(order, name)
        summary[name] = value.isoformat() if value is not None else None
    return summary


def _deliver(subscription_id: int, event: dict[str, Any], *, key: str) -> OutboxMessage:
    return publish(
        DELIVERY,
        {"subscription_id": subscription_id, "event": event},
        key=key,
        destination=destination(subscription_id),
    )


def destination(subscription_id: int) -> str:
    return f"webhook:{subscription_id}"


def ping(subscription_id: int) -> OutboxMessage:
    """A test event to one subscription (its receiver checks the signature end to end)."""
    get(subscription_id)
    event_id = f"evt:{current_tenant().slug}:ping:{tokens.token_hex(8)}"
    return _deliver(subscription_id, envelope(event_id, PING, {}), key=event_id)


# -- the delivery log ----------------------------------------------------------------------------
def deliveries(subscription_id: int, state: str | None = None) -> Select:
    get(subscription_id)
    stmt = select(OutboxMessage).where(OutboxMessage.destination == destination(subscription_id))
    if state == "delivered":
        stmt = stmt.where(OutboxMessage.delivered_at.is_not(None))
    elif state == "dead":
        stmt = stmt.where(OutboxMessage.dead_at.is_not(None))
    elif state == "pending":
        stmt = stmt.where(OutboxMessage.delivered_at.is_(None), OutboxMessage.dead_at.is_(None))
    return stmt.order_by(OutboxMessage.id.desc())


def overview(recent: int = 20) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The bound city's subscriptions with their deliveries counted by state, and the latest
    deliveries of all of them (the province portal's administration page)."""
    state = case(
        (OutboxMessage.delivered_at.is_not(None), "delivered"),
        (OutboxMessage.dead_at.is_not(None), "dead"),
        else_="pending",
    )
    counts: dict[str, dict[str, int]] = {}
    rows = db.session.execute(
        select(OutboxMessage.destination, state, func.count())
        .where(text(WEBHOOK_LOG_SQL))
        .group_by(OutboxMessage.destination, state)
    )
    for line, st, n in rows:
        counts.setdefault(line, {})[st] = n
    subs = [
        {
            **{
                k: getattr(row, k)
                for k in ("id", "url", "event_types", "description", "active", "created_at")
            },
            "counts": counts.get(destination(row.id), {}),
        }
        for row in subscriptions()
    ]
    latest = db.session.scalars(
        select(OutboxMessage).where(text(WEBHOOK_LOG_SQL)).order_by(OutboxMessage.id.desc()).limit(recent)
    )
    return subs, [
        {**describe_delivery(m), "subscription_id": int(m.destination.split(":", 1)[1])} for m in latest
    ]


def delivery(subscription_id: int, delivery_id: int) -> OutboxMessage:
    row = db.session.get(OutboxMessage, delivery_id)
    if row is None or row.destination != destination(subscription_id):
        raise NotFound(f"no delivery {delivery_id} of webhook subscription {subscription_id}")
    return row


def replay(subscription_id: int, delivery_id: int, actor: Actor) -> OutboxMessage:
    """Send a delivered or dead delivery's event again (a new delivery: same event id)."""
    original = delivery(subscription_id, delivery_id)
    get(subscription_id)
    copy = _deliver(
        subscription_id,
        original.payload["event"],
        key=f"{original.key}:replay:{tokens.token_hex(6)}",
    )
    audit.record(
        "webhook.replayed",
        actor=actor,
        subscription=subscription_id,
        delivery=delivery_id,
        event=original.payload["event"]["id"],
    )
    return copy


def describe_delivery(row: OutboxMessage, *, payload: bool = False) -> dict[str, Any]:
    event = row.payload.get("event", {}) if isinstance(row.payload, dict) else {}
    out = {
        "id": row.id,
        "event_id": event.get("id"),
        "event_type": event.get("type"),
        "state": row.state,
        "attempts": row.attempts,
        "created_at": row.created_at,
        "next_attempt_at": row.available_at if row.state == "pending" else None,
        "delivered_at": row.delivered_at,
        "dead_at": row.dead_at,
        "last_error": row.last_error,
        "replay_of": _replay_of(row.key),
    }
    if payload:
        out["event"] = event
    return out


def _replay_of(key: str) -> str | None:
    return key.split(":replay:", 1)[0] if ":replay:" in key else None
