"""Provincial supervision (省级督办): supervise any city's order, see which cities answered.

The supervision record itself (note, answer) stays in the city's schema; the province keeps a
PII-free fact of each manual supervision (who, when, response deadline, answered when and by
whom), written in the same transaction as the record and as its answer. Automatic overdue
supervision is what ``overdue`` lists; it has no fact row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from tenants import current_tenant, db

from ..audit import service as audit
from ..auth.principal import Principal
from ..errors import Conflict, DomainError, NotFound
from ..orders import actions
from ..orders.events import OrderChanged
from ..orders.models import Supervision
from ..orders.service import actor_of, get_visible
from .models import SupervisionFact

MANUAL_LEVELS = ("city", "province")


def fact_of(s: Supervision, number: str, tenant_id: int, answered_by: str | None = None) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "supervision_id": s.id,
        "order_id": s.order_id,
        "number": number,
        "level": s.level,
        "created_by": s.created_by,
        "created_at": s.created_at,
        "response_due_at": s.response_due_at,
        "answered_at": s.answered_at,
        "answered_by": answered_by,
    }


def observe_supervision(event: OrderChanged) -> None:
    """Orders observer: the manual supervision record an action added gets its province fact."""
    records = [s for s in event.added_of(Supervision) if s.level in MANUAL_LEVELS]
    if not records:
        return
    db.session.flush()  # the records' ids
    tenant_id = current_tenant().id
    rows = [fact_of(s, event.order.number, tenant_id) for s in records]
    db.session.execute(pg_insert(SupervisionFact).values(rows).on_conflict_do_nothing())


def check_response_due(response_due_at: datetime) -> None:
    if response_due_at <= datetime.now(UTC):
        raise DomainError(
            "the response deadline must be in the future",
            status=422,
            errors={"json": {"response_due_at": ["must be in the future"]}},
        )


def supervise(principal: Principal, order_id: int, note: str, response_due_at: datetime) -> dict:
    """province_supervisor: 督办 through the order action of the bound city (the caller commits)."""
    check_response_due(response_due_at)
    event = actions.perform(
        principal, order_id, "supervise", {"note": note, "response_due_at": response_due_at}
    )
    (record,) = event.added_of(Supervision)
    db.session.flush()  # its id
    ref = current_tenant()
    return {**fact_of(record, event.order.number, ref.id), "tenant": ref.slug, "answered": False}


def for_order(principal: Principal, order_id: int) -> list[Supervision]:
    get_visible(principal, order_id)
    stmt = select(Supervision).where(Supervision.order_id == order_id).order_by(Supervision.id)
    return list(db.session.scalars(stmt))


def answer(principal: Principal, order_id: int, supervision_id: int, text: str) -> Supervision:
    """The city answers a supervision (督办回复); the province fact shows it answered."""
    get_visible(principal, order_id)
    s = db.session.scalars(
        select(Supervision)
        .where(Supervision.id == supervision_id, Supervision.order_id == order_id)
        .with_for_update()
    ).first()
    if s is None:
        raise NotFound(f"no supervision {supervision_id} on order {order_id}")
    if s.answered_at is not None:
        raise Conflict("this supervision was already answered")
    s.answered_at, s.answer = datetime.now(UTC), text
    audit.record(
        "supervision.answered",
        actor=actor_of(principal),
        order_id=order_id,
        supervision=s.id,
        level=s.level,
        answer=text,
    )
    db.session.execute(
        update(SupervisionFact)
        .where(SupervisionFact.tenant_id == current_tenant().id, SupervisionFact.supervision_id == s.id)
        .values(answered_at=s.answered_at, answered_by=principal.username)
    )
    return s
