"""The deadline sweep: warnings before due, overdue marks, automatic supervision (督办).

Deadlines live in the orders table; the sweep finds what is due through partial indexes
over open orders, so its cost follows the number due, not the number open. Each batch
commits on its own; a killed worker or a flushed Redis loses nothing, because what is not
yet marked still matches the query next time, and automatic supervision records are
unique per order and reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from tenants import db

from ..audit import service as audit
from ..outbox.service import publish
from . import topics
from .models import Assignment, Order, Supervision
from .service import notify, now
from .workflow import OPEN_STATES

log = logging.getLogger(__name__)

# Literal (not bound) so the planner matches the partial indexes' predicates.
OPEN_SQL = text("orders.status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")")
SYSTEM = audit.Actor.system("deadline-sweep")


@dataclass
class SweepResult:
    warned: int = 0
    overdue: int = 0
    accept_overdue: int = 0


def _due(condition, order_by, batch: int) -> list[Order]:
    return list(
        db.session.scalars(
            select(Order)
            .where(OPEN_SQL, *condition)
            .order_by(order_by)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )


def sweep(batch: int = 500) -> SweepResult:
    """Sweep the bound tenant until nothing is due; one transaction per batch."""
    result = SweepResult()
    while True:
        at = now()
        warned = _due((Order.warned_at.is_(None), Order.warn_at <= at), Order.warn_at, batch)
        for order in warned:
            order.warned_at = at
            audit.record("order.deadline_warning", actor=SYSTEM, order=order, due_at=order.due_at.isoformat())
            publish(
                topics.DEADLINE_WARNING,
                {"order_id": order.id, "number": order.number, "department": order.lead_department},
                key=f"warn:{order.number}:{order.due_at.isoformat()}",
                destination=f"department:{order.lead_department or 'desk'}",  # desk: not dispatched yet
            )
            notify(order, "deadline_warning")
        overdue = _due((Order.overdue_at.is_(None), Order.due_at <= at), Order.due_at, batch)
        if overdue:
            db.session.execute(
                pg_insert(Supervision)
                .values(
                    [
                        {
                            "order_id": o.id,
                            "level": "auto",
                            "reason": "overdue",
                            "created_by": SYSTEM.name,
                            "note": "超期自动督办 overdue: automatic supervision",
                            "created_at": at,
                        }
                        for o in overdue
                    ]
                )
                .on_conflict_do_nothing(
                    index_elements=["order_id", "reason"], index_where=text("level = 'auto'")
                )
            )
        for order in overdue:
            order.overdue_at = at
            audit.record("order.overdue", actor=SYSTEM, order=order, due_at=order.due_at.isoformat())
            publish(
                topics.OVERDUE,
                {"order_id": order.id, "number": order.number, "department": order.lead_department},
                key=f"overdue:{order.number}:{order.due_at.isoformat()}",
                destination=f"department:{order.lead_department or 'desk'}",  # desk: not dispatched yet
            )
            notify(order, "overdue")
        late_signs = list(
            db.session.scalars(
                select(Assignment)
                .where(
                    Assignment.active,
                    Assignment.status == "pending",
                    ~Assignment.accept_overdue,
                    Assignment.accept_due_at <= at,
                )
                .order_by(Assignment.accept_due_at)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        for assignment in late_signs:
            assignment.accept_overdue = True
            audit.record(
                "assignment.accept_overdue",
                actor=SYSTEM,
                order_id=assignment.order_id,
                department=assignment.department_code,
            )
        db.session.commit()
        result.warned += len(warned)
        result.overdue += len(overdue)
        result.accept_overdue += len(late_signs)
        if len(warned) < batch and len(overdue) < batch and len(late_signs) < batch:
            return result


def sweep_all() -> int:
    """Scheduler entry: one sweep job per active tenant (skipped if one is already queued)."""
    from tenants.provision import list_tenants

    from ..extensions import redis_client
    from ..jobs import enqueue

    count = 0
    for row in list_tenants():
        if row["status"] != "active":
            continue
        if redis_client.conn.set(f"hotline:sweep:{row['slug']}", 1, nx=True, ex=50):
            enqueue(sweep, queue_name="sla", tenant=row["slug"])
            count += 1
    return count
