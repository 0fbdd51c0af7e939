"""Record audit entries inside the caller's transaction; chain them at commit.

``record`` only queues the entry on the session. Just before the transaction commits,
the queued entries are chained under the ``audit_head`` row lock and inserted, so the
lock is held for the last two statements and the commit only — concurrent writers of a
tenant serialize on that short window, not on their whole transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from tenants import current_tenant_or_none, db

from .chain import GENESIS, canonical, link, verify_rows
from .models import AuditEntry, AuditHead

_PENDING = "audit_pending"


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
    session.info.setdefault(_PENDING, []).append((at or datetime.now(UTC), actor, action, order, order_id, data))


def _seal(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()  # new orders get their ids before the chain references them
    head = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + len(pending))
        .returning(AuditHead.seq, AuditHead.hash)
    ).one()  # fmt: skip
    seq, prev = head.seq - len(pending), head.hash
    rows = []
    for at, actor, action, order, order_id, data in pending:
        seq += 1
        oid = order.id if order is not None else order_id
        digest = link(prev, canonical(seq, at, actor.name, actor.roles, action, oid, data))
        rows.append(
            {"seq": seq, "occurred_at": at, "actor": actor.name, "actor_roles": actor.roles, "action": action,
             "order_id": oid, "data": data, "prev_hash": prev, "hash": digest}
        )  # fmt: skip
        prev = digest
    session.execute(insert(AuditEntry), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))


def _before_commit(session: Session) -> None:
    if session.info.get(_PENDING):
        _seal(session)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def install() -> None:
    """Hook the sealing into every session's commit (called once by the app factory)."""
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def seed_head(_tenant=None) -> None:
    """Provisioning step: the chain starts at the genesis hash."""
    db.session.execute(pg_insert(AuditHead).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing())


def timeline(order_id: int) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.order_id == order_id).order_by(AuditEntry.seq)
    return list(db.session.scalars(stmt))


def verify(batch: int = 5000):
    """Walk the whole chain of the bound tenant; returns a list of breaks (empty when intact)."""
    head = db.session.get(AuditHead, 1)
    if head is None:
        return verify_rows([], 0, GENESIS)

    def rows():
        last = 0
        while True:
            chunk = db.session.scalars(
                select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
            ).all()
            if not chunk:
                return
            yield from chunk
            last = chunk[-1].seq
            db.session.expunge_all()

    return verify_rows(rows(), head.seq, head.hash)
