"""Write synthetic orders into a city through the domain models, audit chain and observers."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from tenants import current_tenant, db, tenant_context

from ..audit import service as audit
from ..catalog import service as catalog
from ..dispatch import service as dispatch
from ..orders.events import OrderChanged, notify
from ..orders.models import Assignment, Order
from ..orders.numbers import next_number, number_prefix
from ..orders.sweep import sweep
from ..pii import PhoneVault, mask_phone
from ..sla import service as sla
from .generator import SyntheticOrder, generate
from .province import city as demo_city

BATCH = 250


def _city(slug: str, name: str) -> dict:
    try:
        return demo_city(slug)
    except KeyError:
        return {"slug": slug, "name": name, "districts": []}


def seed_city(slug: str, n: int, *, seed: int = 12345, now: datetime | None = None, progress=None) -> int:
    """Add ``n`` synthetic orders to ``slug``; then sweep so overdue ones are marked as in real life."""
    now = now or datetime.now(UTC)
    with tenant_context(slug) as ref:
        districts = {d.name: d.code for d in catalog.list_districts()}

        @lru_cache(maxsize=4096)
        def route(category: str, district: str | None):
            s = dispatch.suggest(category, district)
            return s.lead, list(s.assists)

        def deadline(at, appeal_type, urgency):
            d = sla.deadlines_for(at, appeal_type, urgency)
            return d.due_at, d.warn_at

        vault = PhoneVault.from_app()
        written = 0
        batch: list[SyntheticOrder] = []
        for synthetic in generate(
            _city(slug, ref.name),
            n,
            now=now,
            deadline=deadline,
            route=route,
            seed=seed,
            district_codes=districts,
        ):
            batch.append(synthetic)
            if len(batch) >= BATCH:
                written += _write(batch, vault, ref.slug)
                batch = []
                if progress:
                    progress(f"{slug}: {written}/{n}")
        if batch:
            written += _write(batch, vault, ref.slug)
        sweep()
    return written


def _write(batch: list[SyntheticOrder], vault: PhoneVault, slug: str) -> int:
    session = db.session
    prefix = current_tenant().order_prefix
    for s in batch:
        order = Order(
            **s.order_fields(f"agent@{slug}"),
            caller_phone_enc=vault.encrypt(s.caller_phone) if s.caller_phone else None,
            caller_phone_hash=vault.lookup_hash(s.caller_phone) if s.caller_phone else None,
            caller_phone_masked=mask_phone(s.caller_phone),
            caller_language="zh",
            caller_needs=[],
            transferred_to=s.transferred_to,
        )
        s.model = order  # type: ignore[attr-defined]  # lets a later duplicate point at it
        if s.merge_into is not None and getattr(s.merge_into, "model", None) is not None:
            session.flush()
            order.merged_into_id = s.merge_into.model.id
        order.number = next_number(number_prefix(prefix, s.created_at))
        if s.lead and s.dispatched_at:
            lead_status = {"dispatched": "pending", "returned": "returned", "in_progress": "accepted"}.get(
                s.status, "replied"
            )
            order.assignments.append(
                Assignment(
                    department_code=s.lead,
                    role="lead",
                    status=lead_status,
                    dispatched_at=s.dispatched_at,
                    accepted_at=s.accepted_at,
                    replied_at=s.replied_at,
                    reply_content=s.reply,
                )
            )
            for code in s.assists:
                if code != s.lead:
                    order.assignments.append(
                        Assignment(
                            department_code=code,
                            role="assist",
                            status="pending",
                            dispatched_at=s.dispatched_at,
                        )
                    )
        session.add(order)
        actor = audit.Actor(f"agent@{slug}", "agent")
        audit.record(
            "order.received", actor=actor, order=order, at=s.created_at, channel=s.channel, seeded=True
        )
        for step in s.steps:
            who = step.actor.split("@")[0]
            audit.record(
                f"order.{step.action}",
                actor=audit.Actor(f"{who}@{slug}", who.split(".")[0]),
                order=order,
                at=step.at,
                seeded=True,
                **step.data,
            )
        session.flush()
        notify(OrderChanged.of_new(order, "seeded"))
    session.commit()
    return len(batch)
