"""Reads of the outbox across cities: dead letters, the backlog per destination, gauges.

Each city's outbox lives in its own schema; a province-wide read is one ``UNION ALL`` over the
active cities' tables (explicit schema copies of the model's table), so filters, ordering and
pagination happen in PostgreSQL in one statement. Payloads and errors are masked on the way
out (app.pii.redact). See docs/architecture.md §7.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import MetaData, Select, Table, func, literal, select, union_all

from tenants import db
from tenants.models import Tenant, TenantStatus

from ..pii.redact import mask_text, redact
from .models import OutboxMessage
from .registry import routes
from .service import pending

COLUMNS = (
    "id",
    "topic",
    "key",
    "destination",
    "attempts",
    "created_at",
    "available_at",
    "delivered_at",
    "dead_at",
    "last_error",
    "retried_at",
    "retried_by",
)


@lru_cache(maxsize=1024)
def table_in(schema: str) -> Table:
    """The outbox table of one city schema (a copy of the model's table with that schema)."""
    return OutboxMessage.__table__.to_metadata(MetaData(), schema=schema)


def cities(slugs: list[str] | None = None) -> list[tuple[str, str]]:
    """(slug, schema) of the active cities, optionally only those named."""
    stmt = select(Tenant.slug, Tenant.schema_name).where(Tenant.status == TenantStatus.ACTIVE)
    if slugs:
        stmt = stmt.where(Tenant.slug.in_(slugs))
    return [(r.slug, r.schema_name) for r in db.session.execute(stmt.order_by(Tenant.slug))]


def _union(parts: list[Select]) -> Any:
    if not parts:
        return None
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("across")


def dead_letters(args: dict[str, Any], slugs: list[str] | None) -> Select | None:
    """Dead letters of the given cities (None: no such city), newest death first."""
    parts = []
    for slug, schema in cities(slugs):
        t = table_in(schema)
        stmt = select(literal(slug).label("tenant"), *(t.c[c] for c in COLUMNS)).where(
            t.c.dead_at.is_not(None)
        )
        if args.get("topic"):
            stmt = stmt.where(t.c.topic == args["topic"])
        if args.get("destination"):
            stmt = stmt.where(t.c.destination == args["destination"])
        parts.append(stmt)
    u = _union(parts)
    if u is None:
        return None
    return select(u).order_by(u.c.dead_at.desc(), u.c.tenant, u.c.id.desc())


def backlog(slugs: list[str] | None) -> Select | None:
    """One row per city and destination with pending messages: how many, since when, the head."""
    parts = []
    for slug, schema in cities(slugs):
        t = table_in(schema)
        lines = (
            select(
                t.c.destination,
                func.count().label("pending"),
                func.min(t.c.id).label("head_id"),
                func.min(t.c.created_at).label("oldest_created_at"),
            )
            .where(pending(t))
            .group_by(t.c.destination)
            .subquery()
        )
        parts.append(
            select(
                literal(slug).label("tenant"),
                lines.c.destination,
                lines.c.pending,
                lines.c.oldest_created_at,
                t.c.id.label("head_id"),
                t.c.topic.label("head_topic"),
                t.c.attempts.label("head_attempts"),
                t.c.available_at.label("head_available_at"),
                t.c.last_error.label("head_last_error"),
            ).join(t, t.c.id == lines.c.head_id)
        )
    u = _union(parts)
    if u is None:
        return None
    return select(u).order_by(u.c.oldest_created_at, u.c.tenant, u.c.destination)


def depth() -> list[tuple[str, str, str, int]]:
    """(tenant, topic, state, count) for pending and dead messages: the gauges of /metrics."""
    parts = []
    for slug, schema in cities():
        t = table_in(schema)
        for state, where in (("pending", pending(t)), ("dead", t.c.dead_at.is_not(None))):
            parts.append(
                select(literal(slug), t.c.topic, literal(state), func.count())
                .where(where)
                .group_by(t.c.topic)
            )
    if not parts:
        return []
    return [tuple(r) for r in db.session.execute(union_all(*parts))]


def oldest_pending() -> dict[str, float]:
    """Seconds since the oldest pending message was written, per city (0 when none)."""
    parts = [
        select(literal(slug).label("tenant"), func.min(t.c.created_at).label("oldest")).where(pending(t))
        for slug, t in ((slug, table_in(schema)) for slug, schema in cities())
    ]
    if not parts:
        return {}
    now = datetime.now(UTC)
    return {
        r.tenant: (now - r.oldest).total_seconds() if r.oldest else 0.0
        for r in db.session.execute(union_all(*parts))
    }


# -- presentation ---------------------------------------------------------------------------------
def message_dict(row: Any, tenant: str, *, with_payload: bool = False) -> dict[str, Any]:
    """A message as operators see it: masked error text and (optionally) masked payload."""
    data = {c: getattr(row, c) for c in COLUMNS}
    data["tenant"] = tenant
    data["state"] = "delivered" if data["delivered_at"] else "dead" if data["dead_at"] else "pending"
    data["last_error"] = mask_text(data["last_error"]) if data["last_error"] else None
    data["adapter_missing"] = _adapter_missing(data["topic"])
    if with_payload:
        data["payload"] = redact(row.payload)
    return data


def _adapter_missing(topic: str) -> bool:
    route = routes().get(topic)
    return route is None or not route.has_adapter


def line_dict(row: Any) -> dict[str, Any]:
    return {
        "tenant": row.tenant,
        "destination": row.destination,
        "pending": row.pending,
        "oldest_created_at": row.oldest_created_at,
        "head": {
            "id": row.head_id,
            "topic": row.head_topic,
            "attempts": row.head_attempts,
            "next_attempt_at": row.head_available_at,
            "last_error": mask_text(row.head_last_error) if row.head_last_error else None,
            "adapter_missing": _adapter_missing(row.head_topic),
        },
    }
