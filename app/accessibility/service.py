"""Skills, routing and KPIs for callers with special needs. Services never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, literal_column, select

from tenants import db

from ..audit import service as audit
from ..auth.policy import require
from ..auth.principal import Principal
from ..auth.scope import restrict
from ..errors import DomainError
from ..orders.models import Order
from ..orders.service import actor_of
from ..orders.workflow import OPEN_STATES
from .models import AgentSkill
from .needs import NEED_SKILL, SKILLS, needs_human, required_skills


def skills_of(username: str) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(AgentSkill).where(AgentSkill.username == username).order_by(AgentSkill.skill)
    )
    return [{"skill": r.skill, "detail": r.detail} for r in rows]


def set_skills(principal: Principal, username: str, skills: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace an agent's skills (the whole set); audited."""
    require(principal, "agents.skills")
    unknown = [s["skill"] for s in skills if s["skill"] not in SKILLS]
    if unknown:
        raise DomainError(f"unknown skill(s): {', '.join(unknown)}", status=422)
    db.session.execute(delete(AgentSkill).where(AgentSkill.username == username))
    for s in {s["skill"]: s for s in skills}.values():
        db.session.add(
            AgentSkill(
                username=username, skill=s["skill"], detail=s.get("detail"), granted_by=principal.username
            )
        )
    db.session.flush()
    audit.record(
        "agent.skills", actor=actor_of(principal), agent=username, skills=sorted(s["skill"] for s in skills)
    )
    return skills_of(username)


def agents_for(needs: list[str]) -> list[str]:
    """Agents holding every skill the needs call for (empty needs: no constraint, empty list)."""
    wanted = required_skills(needs)
    if not wanted:
        return []
    stmt = (
        select(AgentSkill.username)
        .where(AgentSkill.skill.in_(wanted))
        .group_by(AgentSkill.username)
        .having(func.count() == len(wanted))
        .order_by(AgentSkill.username)
    )
    return list(db.session.scalars(stmt))


def my_queue(principal: Principal):
    """Open received orders whose needs this agent's skills cover (oldest first)."""
    mine = {s["skill"] for s in skills_of(principal.username)}
    answerable = [n for n, skill in NEED_SKILL.items() if skill in mine]
    stmt = restrict(principal, "orders.read").where(Order.status == "received")
    return stmt.where(Order.caller_needs.overlap(answerable or ["-"])).order_by(Order.created_at, Order.id)


def routing(order: Order) -> dict[str, Any]:
    needs = list(order.caller_needs or [])
    return {
        "order_id": order.id,
        "needs": needs,
        "required_skills": required_skills(needs),
        "human_only": needs_human(needs),
        "agents": agents_for(needs),
    }


def kpis(principal: Principal) -> list[dict[str, Any]]:
    """Per caller group: orders, open, closed, overdue, satisfied callbacks (this city, all time)."""
    base = restrict(principal, "orders.read").subquery()
    need = func.unnest(base.c.caller_needs).label("need")
    rows = select(base.c.id, base.c.status, base.c.overdue_at, base.c.satisfaction, need).subquery()
    stmt = (
        select(
            rows.c.need,
            func.count().label("orders"),
            func.count().filter(rows.c.status.in_(OPEN_STATES)).label("open"),
            func.count().filter(rows.c.status == "closed").label("closed"),
            func.count().filter(rows.c.overdue_at.is_not(None)).label("overdue"),
            func.count()
            .filter(rows.c.satisfaction.in_(("satisfied", "basically_satisfied")))
            .label("satisfied"),
            func.count().filter(rows.c.satisfaction.is_not(None)).label("called_back"),
        )
        .group_by(rows.c.need)
        .order_by(literal_column("need"))
    )
    out = []
    for r in db.session.execute(stmt):
        d = dict(r._mapping)
        d["satisfaction_rate"] = round(d["satisfied"] / d["called_back"], 4) if d["called_back"] else None
        out.append(d)
    return out
