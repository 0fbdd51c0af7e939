"""Audit entries: written in the caller's transaction, sealed into the tenant's chain just after.

``record`` queues an entry on the unit of work; at commit the queued entries are inserted in
one statement, with no lock, so concurrent writers never wait on each other. The chain is
then extended by ``seal`` (the database function ``audit_seal``: one sealer per tenant at a
time, entries in commit order): right after the commit through a job, and periodically.
Until sealed, an entry is protected by the append-only trigger only; ``verify`` reports
entries left unsealed for longer than ``SEAL_GRACE``.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from tenants import current_tenant, current_tenant_or_none, db
from tenants.naming import quote_schema

from .chain import GENESIS, Break, verify_rows
from .models import AuditEntry, AuditHead

log = logging.getLogger(__name__)

_PENDING = "audit_pending"
_WROTE = "audit_wrote"
SEAL_GRACE = timedelta(minutes=5)


@dataclass
class Actor:
    name: str
    roles: str = ""

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        return cls(what, "system")


def record(
    action: str,
    *,
    actor: Actor,
    order: Any = None,
    order_id: int | None = None,
    at: datetime | None = None,
    **data: Any,
) -> None:
    """Queue an entry in the current unit of work (``order`` may still lack an id).

    ``at`` is for importing history (demo data, migrations from older systems) only.
    """
    session = db.session
    if current_tenant_or_none() is None:
        raise RuntimeError("audit entries belong to a tenant; bind tenant_context first")
    session.info.setdefault(_PENDING, []).append(
        (at or datetime.now(UTC), actor, action, order, order_id, data)
    )


def _write(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()  # new orders get their ids before entries reference them
    rows = [
        {
            "occurred_at": at,
            "actor": actor.name,
            "actor_roles": actor.roles,
            "action": action,
            "order_id": order.id if order is not None else order_id,
            "data": json.dumps(data, ensure_ascii=False, default=str),
        }
        for at, actor, action, order, order_id, data in pending
    ]
    # One entry (the usual case) as a plain execute; several as one executemany.
    db.run_compiled(_insert_entries(current_tenant().schema), rows[0] if len(rows) == 1 else rows)
    session.info[_WROTE] = True


@lru_cache(maxsize=512)
def _insert_entries(schema: str):
    """Prepared text per city schema: the hot path skips expression building (see orders.intake_sql)."""
    return text(
        f"INSERT INTO {quote_schema(schema)}.audit_log "
        "(occurred_at, actor, actor_roles, action, order_id, data) "
        "VALUES (:occurred_at, :actor, :actor_roles, :action, :order_id, CAST(:data AS jsonb))"
    )


def _before_commit(session: Session) -> None:
    if session.info.get(_PENDING):
        _write(session)


def _after_commit(session: Session) -> None:
    if session.info.pop(_WROTE, False):
        ref = current_tenant_or_none()
        if ref is not None:
            try:
                nudge(ref.slug)
            except Exception:  # Redis down: the periodic sealer catches up
                log.warning("could not nudge the audit sealer for %s", ref.slug)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_WROTE, None)


def install() -> None:
    """Hook entry writing into every session's commit (called once by the app factory)."""
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


# -- sealing -------------------------------------------------------------------------------------


def seal(batch: int = 5000) -> int:
    """Chain every unsealed entry of the bound tenant; returns how many were sealed.

    Another sealer already at work makes this return 0 at once (it will seal ours too).
    """
    schema = quote_schema(current_tenant().schema)  # from the registry, never from request text
    total = 0
    while True:
        sealed = db.session.execute(text(f"SELECT {schema}.audit_seal(:n)"), {"n": batch}).scalar()
        db.session.commit()
        if sealed is None or sealed <= 0:
            return total
        total += sealed
        if sealed < batch:
            return total


_last_nudge: dict[str, float] = {}
NUDGE_EVERY = 0.5  # seconds


def nudge(slug: str) -> bool:
    """Enqueue a seal for a tenant unless one was enqueued in the last half second.

    A process-local clock spares Redis a round trip per commit; the Redis key dedupes
    across processes.
    """
    from app.extensions import redis_client
    from app.jobs import enqueue

    now = time.monotonic()
    if now - _last_nudge.get(slug, 0.0) < NUDGE_EVERY:
        return False
    _last_nudge[slug] = now
    if not redis_client.conn.set(f"hotline:audit:seal:{slug}", 1, nx=True, px=int(NUDGE_EVERY * 1000)):
        return False
    enqueue(seal, queue_name="default", tenant=slug)
    return True


def seal_all() -> int:
    """Scheduler entry: one seal job per active tenant."""
    from tenants.fanout import for_each_tenant

    return for_each_tenant(nudge)


def seed_head(_tenant=None) -> None:
    """Provisioning step: the chain starts at the genesis hash."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    db.session.execute(pg_insert(AuditHead).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing())


# -- reading ---------------------------------------------------------------------------------------


def timeline(order_id: int) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.order_id == order_id).order_by(AuditEntry.id)
    return list(db.session.scalars(stmt))


@dataclass
class Verification:
    sealed: int
    unsealed: int
    oldest_unsealed: datetime | None
    breaks: list[Break]

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify(batch: int = 5000) -> Verification:
    """Recompute the bound tenant's whole chain from the stored fields."""
    schema = quote_schema(current_tenant().schema)
    head = db.session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)

    def rows():
        last = 0
        while True:
            chunk = db.session.execute(
                text(
                    f"SELECT seq, prev_hash, hash, {schema}.audit_payload(occurred_at, actor, actor_roles, "
                    f"action, order_id, data) FROM {schema}.audit_log WHERE seq > :last ORDER BY seq LIMIT :n"
                ),
                {"last": last, "n": batch},
            ).all()
            if not chunk:
                return
            yield from chunk
            last = chunk[-1][0]

    breaks = verify_rows(rows(), head_seq, head_hash)
    unsealed, oldest = db.session.execute(
        select(func.count(), func.min(AuditEntry.occurred_at)).where(AuditEntry.hash.is_(None))
    ).one()
    if unsealed and oldest is not None and datetime.now(UTC) - oldest > SEAL_GRACE:
        breaks.append(
            Break(0, f"{unsealed} entries unsealed since {oldest.isoformat()}: is the sealer running?")
        )
    return Verification(sealed=head_seq, unsealed=unsealed, oldest_unsealed=oldest, breaks=breaks)
