"""Publish in the transaction; relay after commit, at least once, in order per destination.

- ``publish`` refuses a topic without a route (``registry.UnknownTopic``). Every message
  carries an idempotency ``key`` (receivers dedupe on it) and a ``destination``: the
  ordering line (a receiver plus whatever must stay in order, e.g. ``emergency:110``).
- ``relay`` delivers, per destination, the oldest pending message first; a message that fails
  holds back the later ones of its destination only. Failures back off exponentially with
  jitter; after ``OUTBOX_MAX_ATTEMPTS`` (or at once on ``Rejected``) the message is dead.
- Relays of one city are serialized by a transaction-level advisory lock, so two relay jobs
  never deliver one line out of order.
See docs/architecture.md §7.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, event, func, select, true, update
from sqlalchemy.orm import Session

from tenants import current_tenant, current_tenant_or_none, db

from ..pii.redact import mask_text
from .models import OutboxMessage
from .registry import Rejected, route

log = logging.getLogger(__name__)

_RELAY_FLAG = "outbox_published"
_LOCK_CLASS = 0x0B0C  # pg_advisory_xact_lock(class, tenant id): one relay per city at a time
_NUDGE_TTL = 60  # seconds; a queued relay clears its flag when it starts, this only heals loss
BATCH = 200
BATCH_SECONDS = 0.25  # a batch ends after this long: what was committed meanwhile joins the next one


def publish(topic: str, payload: dict[str, Any], *, key: str, destination: str) -> OutboxMessage:
    """Write a message in the current unit of work; it leaves only if that commits."""
    route(topic)  # UnknownTopic: nobody would ever deliver it
    message = OutboxMessage(topic=topic, key=key, destination=destination, payload=payload)
    session = db.session
    session.add(message)
    session.info[_RELAY_FLAG] = True
    return message


def mark_for_relay(session: Session) -> None:
    """Ask for a relay after this unit of work commits (publish and retries do)."""
    session.info[_RELAY_FLAG] = True


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


def _nudge_key(slug: str) -> str:
    return f"hotline:outbox:nudge:{slug}"


def nudge(slug: str) -> bool:
    """Enqueue a relay for a tenant unless one is queued and has not started yet."""
    from app.extensions import redis_client
    from app.jobs import enqueue

    if not redis_client.conn.set(_nudge_key(slug), 1, nx=True, ex=_NUDGE_TTL):
        return False
    enqueue(relay, queue_name="outbox", tenant=slug)
    return True


def install() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)


# -- delivery ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    max_seconds: float

    @classmethod
    def from_app(cls) -> RetryPolicy:
        s = current_app.extensions["settings"]
        return cls(s.outbox_max_attempts, s.outbox_retry_base_seconds, s.outbox_retry_max_seconds)

    def delay(self, attempts: int) -> timedelta:
        """Exponential backoff with equal jitter: between half and all of base * 2^(n-1), capped."""
        ceiling = min(self.base_seconds * 2 ** min(attempts - 1, 30), self.max_seconds)
        return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))


def pending(table=OutboxMessage.__table__):
    return and_(table.c.delivered_at.is_(None), table.c.dead_at.is_(None))


def due_lines(now: datetime):
    """(destination, head id) of each line whose head, its oldest pending message, is due.

    A recursive skip scan over ix_outbox_line (destination, id): one index probe per line, so
    a long backlog behind a failing head costs nothing. Ordering by (destination, id) under an
    inequality leaves the planner no other index to walk.
    """
    o = OutboxMessage.__table__
    step = o.alias("next_line")
    first = select(o.c.destination, o.c.id).where(pending(o)).order_by(o.c.destination, o.c.id).limit(1)
    lines = first.cte("lines", recursive=True)
    following = (
        select(step.c.destination, step.c.id)
        .where(pending(step), step.c.destination > lines.c.destination)
        .order_by(step.c.destination, step.c.id)
        .limit(1)
        .lateral("following")
    )
    lines = lines.union_all(
        select(following.c.destination, following.c.id).select_from(lines).join(following, true())
    )
    head = o.alias("line_head")
    return (
        select(lines.c.destination, lines.c.id)
        .join(head, head.c.id == lines.c.id)
        .where(head.c.available_at <= now)
    )


def due_messages(now: datetime, held: set[str], batch: int):
    """Ids of the pending messages of due lines (up to ``batch`` per line from its head), oldest first."""
    due = due_lines(now).cte("due")
    o = OutboxMessage.__table__
    per_line = (
        select(o.c.id)
        .where(pending(o), o.c.destination == due.c.destination, o.c.id >= due.c.id)
        .order_by(o.c.id)
        .limit(batch)
        .lateral("per_line")
    )
    stmt = select(per_line.c.id).select_from(due).join(per_line, true())
    if held:
        stmt = stmt.where(due.c.destination.not_in(held))
    return stmt.order_by(per_line.c.id).limit(batch)


def relay(batch: int = BATCH) -> int:
    """Deliver the due messages of the bound tenant, line by line; returns how many were delivered."""
    _clear_nudge()
    policy = RetryPolicy.from_app()
    held: set[str] = set()  # destinations that failed in this run wait for their backoff
    delivered = 0
    while True:
        count, fetched, cut = _relay_batch(batch, policy, held)
        delivered += count
        if fetched < batch and not cut:
            return delivered


def _clear_nudge() -> None:
    """A started relay no longer counts as queued: a commit from now on enqueues the next one."""
    ref = current_tenant_or_none()
    if ref is None:
        return
    from app.extensions import redis_client

    try:
        redis_client.conn.delete(_nudge_key(ref.slug))
    except Exception:  # Redis down: the nudge key expires by itself
        log.warning("could not clear the outbox nudge flag of %s", ref.slug)


def _relay_batch(batch: int, policy: RetryPolicy, held: set[str]) -> tuple[int, int, bool]:
    """One batch: (delivered, fetched, cut short by BATCH_SECONDS).

    Cutting a long batch (a slow receiver, a busy machine) keeps the delivery lag of a message
    committed during it near BATCH_SECONDS instead of the whole batch's time; the messages not
    attempted stay pending at the head of their lines and come first in the next batch.
    """
    session = db.session
    session.execute(select(func.pg_advisory_xact_lock(_LOCK_CLASS, current_tenant().id)))
    # the database's clock, the one that stamped available_at: no skew between hosts delays a line
    now = session.scalar(select(func.clock_timestamp()))
    ids = select(due_messages(now, held, batch).subquery().c.id)
    messages = session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
    ).all()
    delivered: list[int] = []
    deadline, attempted, cut = time.monotonic() + BATCH_SECONDS, 0, False
    for message in messages:
        if attempted and time.monotonic() > deadline:
            cut = True
            break
        if message.destination in held:
            continue  # an earlier message of this line is not through: keep the order
        if message.available_at > now:  # behind a retried dead letter, still backing off itself
            held.add(message.destination)
            continue
        attempted += 1
        failure = _attempt(session, message)
        if failure is not None:
            held.add(message.destination)
            _failed(message, failure, policy, now)
            continue
        delivered.append(message.id)
    if delivered:  # one statement for the batch, not one UPDATE per message
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(delivered))
            .values(delivered_at=now, attempts=OutboxMessage.attempts + 1),
            execution_options={"synchronize_session": False},
        )
    session.commit()
    return len(delivered), len(messages), cut


def _attempt(session: Session, message: OutboxMessage) -> Exception | None:
    """Run the handler in a savepoint: a failure leaves none of its rows behind.

    Commit hooks also run at a savepoint's release (audit entries are written there), and a
    rolled-back savepoint drops the notes it made, so each message's effects stand or fall alone.
    """
    try:
        target = route(message.topic)  # a topic that lost its route fails like a delivery
        if not target.writes:  # nothing to roll back; a failed read aborts the batch (redelivered)
            target.handler(message)
            return None
        with session.begin_nested():
            target.handler(message)
    except Exception as exc:
        return exc
    return None


def _failed(message: OutboxMessage, exc: Exception, policy: RetryPolicy, now: datetime) -> None:
    message.attempts += 1
    message.last_error = mask_text(f"{type(exc).__name__}: {exc}")[:2000]  # receivers echo payloads
    if isinstance(exc, Rejected) or message.attempts >= policy.max_attempts:
        message.dead_at = now
        log.error(
            "outbox %s #%s to %s is a dead letter after %s attempt(s): %s",
            message.topic,
            message.id,
            message.destination,
            message.attempts,
            message.last_error,
        )
        return
    message.available_at = now + policy.delay(message.attempts)
    log.warning(
        "outbox %s #%s to %s failed (attempt %s), next at %s: %s",
        message.topic,
        message.id,
        message.destination,
        message.attempts,
        message.available_at.isoformat(),
        message.last_error,
    )


def relay_all() -> int:
    """Scheduler entry: fan out one relay job per active tenant."""
    from tenants.fanout import for_each_tenant

    return for_each_tenant(nudge)


# -- dead letters ----------------------------------------------------------------------------------------
def retry(
    actor: Any,
    *,
    ids: list[int] | None = None,
    topic: str | None = None,
    destination: str | None = None,
) -> list[OutboxMessage]:
    """Put dead letters of the bound tenant back in line (attempts reset); audited, nudges a relay.

    A retried message keeps its id, so it goes back to its place in its destination's line,
    ahead of newer messages of that destination.
    """
    from ..audit import service as audit

    stmt = select(OutboxMessage).where(OutboxMessage.dead_at.is_not(None))
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    if topic:
        stmt = stmt.where(OutboxMessage.topic == topic)
    if destination:
        stmt = stmt.where(OutboxMessage.destination == destination)
    session = db.session
    messages = session.scalars(stmt.order_by(OutboxMessage.id).with_for_update()).all()
    for m in messages:
        audit.record(
            "outbox.retried",
            actor=actor,
            order_id=_order_id(m.payload),
            message=m.id,
            topic=m.topic,
            destination=m.destination,
            attempts=m.attempts,
            dead_at=m.dead_at.isoformat(),
        )
        m.dead_at, m.attempts, m.available_at = None, 0, func.now()
        m.retried_at, m.retried_by = func.now(), actor.name
    if messages:
        mark_for_relay(session)
    return list(messages)


def _order_id(payload: Any) -> int | None:
    """The city's own order a message is about, for its timeline (only when it names one)."""
    value = payload.get("order_id") if isinstance(payload, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
