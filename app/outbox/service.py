"""Publish in the transaction; relay after commit, at least once, to registered handlers.

Handlers register per topic (``handles``) from the composition root; a handler must be
idempotent on ``message.key``. Failed deliveries back off exponentially and stay visible.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tenants import current_tenant_or_none, db

from .models import OutboxMessage

log = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]
_handlers: dict[str, list[Handler]] = {}
_RELAY_FLAG = "outbox_published"
MAX_BACKOFF = timedelta(hours=1)


def handles(topic: str, handler: Handler) -> None:
    """Register a delivery handler (adapters do this at app start, never at import)."""
    bucket = _handlers.setdefault(topic, [])
    if handler not in bucket:
        bucket.append(handler)


def topics() -> list[str]:
    return sorted(_handlers)


def publish(topic: str, payload: dict[str, Any], *, key: str) -> OutboxMessage:
    message = OutboxMessage(topic=topic, key=key, payload=payload)
    session = db.session
    session.add(message)
    session.info[_RELAY_FLAG] = True
    return message


def _after_commit(session: Session) -> None:
    """Nudge a relay right away; the periodic relay is the safety net if this is lost."""
    if not session.info.pop(_RELAY_FLAG, False):
        return
    ref = current_tenant_or_none()
    if ref is None:
        return
    try:
        nudge(ref.slug)
    except Exception:  # Redis down: the periodic relay delivers later
        log.warning("could not enqueue an outbox relay for %s; the periodic relay will", ref.slug)


def nudge(slug: str) -> bool:
    """Enqueue a relay for a tenant unless one was enqueued within the last second."""
    from app.extensions import redis_client
    from app.jobs import enqueue

    if not redis_client.conn.set(f"hotline:outbox:nudge:{slug}", 1, nx=True, px=1000):
        return False
    enqueue(relay, queue_name="outbox", tenant=slug)
    return True


def install() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)


def relay(batch: int = 200) -> int:
    """Deliver due messages of the bound tenant; returns how many were delivered."""
    session = db.session
    now = datetime.now(UTC)
    messages = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.available_at <= now)
        .order_by(OutboxMessage.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    delivered = 0
    for message in messages:
        handlers = _handlers.get(message.topic, [])
        try:
            for handler in handlers:
                handler(message)
        except Exception as exc:
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.available_at = now + min(timedelta(seconds=5 * 2**message.attempts), MAX_BACKOFF)
            log.warning(
                "outbox %s #%s failed (attempt %s): %s", message.topic, message.id, message.attempts, exc
            )
            continue
        message.delivered_at = now
        message.attempts += 1
        delivered += 1
    session.commit()
    return delivered


def relay_all() -> int:
    """Scheduler entry: fan out one relay job per active tenant."""
    from tenants.fanout import for_each_tenant

    return for_each_tenant(nudge)
