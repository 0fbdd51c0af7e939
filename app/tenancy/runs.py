"""Provisioning a city in the background (rq): a run row, the step log, the outcome.

``start`` validates the request the way ``POST /api/v1/tenants`` does (the same schema,
refusing an existing city up front), records who asked in ``province.provision_runs`` and
enqueues ``execute``. The job calls the one provisioning service
(``tenants.provision.create_tenant``), appending every step it announces to the run's log in
its own short transaction so a page polling the run sees progress live, and on success writes
``tenant.provisioned`` into the new city's audit chain. See docs/portal.md (Administration).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from tenants import db, provision, tenant_context
from tenants.models import Tenant, TenantStatus

from ..audit.service import Actor, record
from ..errors import Conflict, NotFound
from ..jobs.runner import enqueue
from .models import FAILED, QUEUED, RUNNING, SUCCEEDED, ProvisionRun

log = logging.getLogger(__name__)
ERROR_CHARS = 2000
STALE = timedelta(minutes=15)  # far longer than a provisioning takes (seconds)


def start(body: dict, actor: Actor) -> ProvisionRun:
    """Record a run for a validated ``TenantCreateSchema`` body and enqueue it (the caller commits)."""
    slug = body["slug"]
    existing = db.session.scalars(
        select(Tenant).where((Tenant.slug == slug) | (Tenant.region_code == body["region_code"]))
    ).all()
    for t in existing:
        if t.status in (TenantStatus.ACTIVE, TenantStatus.DISABLED) or t.slug != slug:
            what = f"city {t.slug!r}" if t.slug == slug else f"region code {t.region_code} of {t.slug!r}"
            raise Conflict(
                f"{what} already exists",
                errors={"slug" if t.slug == slug else "region_code": ["already taken"]},
            )
    _abandon_stale(slug)
    busy = db.session.scalar(
        select(ProvisionRun.id).where(ProvisionRun.slug == slug, ProvisionRun.status.in_((QUEUED, RUNNING)))
    )
    if busy is not None:
        raise Conflict(f"city {slug!r} is being provisioned already (run {busy})")
    run = ProvisionRun(
        slug=slug,
        name=body["name"],
        region_code=body["region_code"],
        order_prefix=body.get("order_prefix"),
        requested_by=actor.name,
        requested_roles=actor.roles,
        status=QUEUED,
        log=[],
        total_steps=len(provision.steps()) + 2,  # the migration, the registered steps, activation
    )
    try:
        with db.session.begin_nested():  # the unique index settles two admins racing for one city
            db.session.add(run)
    except IntegrityError as exc:
        raise Conflict(f"city {slug!r} is being provisioned already") from exc
    run_id = run.id
    db.after_commit(lambda: enqueue(execute, run_id, tenant=None, retry=None))
    log.info("provisioning of %s requested by %s (run %s)", slug, actor.name, run_id)
    return run


def _abandon_stale(slug: str) -> None:
    """A run a dead worker left unfinished blocks nobody for ever: after ``STALE`` it counts as failed."""
    db.session.execute(
        update(ProvisionRun)
        .where(
            ProvisionRun.slug == slug,
            ProvisionRun.status.in_((QUEUED, RUNNING)),
            func.coalesce(ProvisionRun.started_at, ProvisionRun.created_at) < func.now() - STALE,
        )
        .values(status=FAILED, error="abandoned: no worker finished it", finished_at=func.now())
        .execution_options(synchronize_session=False)
    )


def get(run_id: int) -> ProvisionRun:
    run = db.session.get(ProvisionRun, run_id)
    if run is None:
        raise NotFound(f"no provisioning run {run_id}")
    return run


def recent(limit: int = 10) -> list[ProvisionRun]:
    return list(db.session.scalars(select(ProvisionRun).order_by(ProvisionRun.id.desc()).limit(limit)))


def _note(run_id: int, **values) -> None:
    """Write progress at once, outside the job's unit of work, so the polling page sees it."""
    with db.engine.begin() as conn:
        conn.execute(update(ProvisionRun.__table__).where(ProvisionRun.id == run_id).values(**values))


def _append(run_id: int, step: str) -> None:
    entry = json.dumps([{"at": datetime.now(UTC).isoformat(), "step": step}], ensure_ascii=False)
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE province.provision_runs SET log = log || CAST(:e AS jsonb) WHERE id = :id"),
            {"e": entry, "id": run_id},
        )


def execute(run_id: int) -> str:
    """The rq job (queue ``default``, no automatic retry: the admin resumes a failed run)."""
    run = get(run_id)
    if run.finished:
        return run.status  # delivered twice: nothing to redo
    _note(run_id, status=RUNNING, started_at=datetime.now(UTC))
    try:
        provision.create_tenant(
            run.slug,
            name=run.name,
            region_code=run.region_code,
            order_prefix=run.order_prefix,
            progress=lambda step: _append(run_id, step),
        )
    except Exception as exc:  # every failure is shown on the run's page
        message = str(exc)[:ERROR_CHARS] or type(exc).__name__
        _note(run_id, status=FAILED, error=message, finished_at=datetime.now(UTC))
        log.warning("provisioning run %s of %s failed: %s", run_id, run.slug, message)
        return FAILED
    _append(run_id, "active")
    with tenant_context(run.slug):
        record(
            "tenant.provisioned",
            actor=Actor(run.requested_by, run.requested_roles),
            run=run_id,
            region_code=run.region_code,
            name=run.name,
        )
        db.session.commit()
    _note(run_id, status=SUCCEEDED, finished_at=datetime.now(UTC))
    return SUCCEEDED
