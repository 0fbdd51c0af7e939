"""Idempotent, resumable tenant provisioning.

create schema -> migrate -> provisioning steps (reference data, calendar, IdP group,
registered by the app) -> status ``active``. A failed or interrupted run is resumed
by running ``create`` again; an ``active`` tenant is a conflict.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from . import context
from .context import TenantRef, tenant_context
from .db import db
from .migrate import migrate_schema, province_is_current, upgrade_province
from .models import TenantStatus
from .naming import (
    PROVINCE_SCHEMA,
    InvalidName,
    order_prefix_for,
    quote_schema,
    schema_name,
    validate_region_code,
    validate_slug,
)

log = logging.getLogger(__name__)


class TenantExists(Exception):
    """The slug or region code already belongs to a tenant."""


class ProvisioningFailed(Exception):
    """A step failed; the tenant stays ``failed`` and ``create`` again resumes it."""


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[TenantRef], None]


_steps: list[Step] = []
_drop_hooks: list[Step] = []


def register_step(name: str, run: Callable[[TenantRef], None]) -> None:
    """Add an idempotent step run inside the new tenant's context (app factory only)."""
    if not any(s.name == name for s in _steps):
        _steps.append(Step(name, run))


def register_drop_hook(name: str, run: Callable[[TenantRef], None]) -> None:
    if not any(s.name == name for s in _drop_hooks):
        _drop_hooks.append(Step(name, run))


def steps() -> list[str]:
    return [s.name for s in _steps]


def _validate(slug: str, name: str, region_code: str, order_prefix: str | None) -> str:
    validate_slug(slug)
    validate_region_code(region_code)
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise InvalidName("tenant name must be 1-100 characters")
    prefix = order_prefix or order_prefix_for(slug)
    if not prefix.isalnum() or not prefix.isupper() or len(prefix) > 8:
        raise InvalidName(f"invalid order prefix {prefix!r}: up to 8 upper-case letters or digits")
    return prefix


def _claim(engine: Engine, slug: str, name: str, region_code: str, prefix: str) -> None:
    """Insert the registry row, or take over an unfinished one; refuse an active tenant."""
    with engine.begin() as conn:
        row = conn.execute(
            text("SELECT status, region_code FROM province.tenants WHERE slug = :s FOR UPDATE"), {"s": slug}
        ).first()
        if row is not None and row.status in (TenantStatus.ACTIVE, TenantStatus.DISABLED):
            raise TenantExists(f"tenant {slug!r} already exists")
        other = conn.execute(
            text("SELECT slug FROM province.tenants WHERE region_code = :r AND slug <> :s"),
            {"r": region_code, "s": slug},
        ).first()
        if other is not None:
            raise TenantExists(f"region code {region_code} already belongs to tenant {other.slug!r}")
        try:
            if row is None:
                conn.execute(
                    text(
                        """INSERT INTO province.tenants
                             (slug, name, region_code, schema_name, order_prefix, status)
                           VALUES (:s, :n, :r, :schema, :p, 'provisioning')"""
                    ),
                    {"s": slug, "n": name, "r": region_code, "schema": schema_name(slug), "p": prefix},
                )
            else:
                conn.execute(
                    text(
                        """UPDATE province.tenants SET name = :n, region_code = :r, order_prefix = :p,
                           status = 'provisioning', updated_at = now() WHERE slug = :s"""
                    ),
                    {"s": slug, "n": name, "r": region_code, "p": prefix},
                )
        except IntegrityError as exc:  # a concurrent create won the race
            raise TenantExists(f"tenant {slug!r} or region code {region_code} already exists") from exc


def _set_status(engine: Engine, slug: str, status: str, step: str | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE province.tenants SET status = :st, provision_step = :step, updated_at = now() "
                "WHERE slug = :s"
            ),
            {"st": status, "s": slug, "step": step},
        )
    context.invalidate(slug)


def create_tenant(
    slug: str, *, name: str, region_code: str, order_prefix: str | None = None, progress=None
) -> TenantRef:
    engine = db.engine
    prefix = _validate(slug, name, region_code, order_prefix)
    if not province_is_current(engine):
        upgrade_province(engine)
    _claim(engine, slug, name, region_code, prefix)
    say = progress or (lambda msg: log.info("%s: %s", slug, msg))

    say("migrating schema " + schema_name(slug))
    result = migrate_schema(engine, slug, schema_name(slug))
    if not result.ok:
        _set_status(engine, slug, TenantStatus.FAILED, "migrate")
        raise ProvisioningFailed(f"migration of {schema_name(slug)} failed: {result.error}")

    ref = context.lookup(slug, fresh=True)
    resumable = (TenantStatus.PROVISIONING, TenantStatus.FAILED)
    for step in _steps:
        say(step.name)
        try:
            with tenant_context(ref, statuses=resumable):
                step.run(ref)
                db.session.commit()
        except Exception as exc:
            _set_status(engine, slug, TenantStatus.FAILED, step.name)
            raise ProvisioningFailed(f"step {step.name!r} failed: {exc}") from exc
        _set_status(engine, slug, TenantStatus.PROVISIONING, step.name)

    _set_status(engine, slug, TenantStatus.ACTIVE, None)
    return context.lookup(slug, fresh=True)


def drop_tenant(slug: str, *, yes: bool) -> TenantRef:
    """Drop a tenant's schema and registry row. Refuses without ``yes`` and never touches ``province``."""
    if slug == PROVINCE_SCHEMA or slug == "t_" + PROVINCE_SCHEMA:
        raise InvalidName("the province schema is never dropped")
    if not yes:
        raise PermissionError(f"dropping {slug!r} deletes all its data; pass --yes to confirm")
    ref = context.lookup(slug, fresh=True)
    quoted = quote_schema(ref.schema)
    for hook in _drop_hooks:
        try:
            hook.run(ref)
        except Exception:  # the schema still goes; the hook's own log says what to redo
            log.exception("drop hook %s failed for %s", hook.name, slug)
    with db.engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": "migrate:" + ref.schema})
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quoted} CASCADE")
        conn.execute(text("DELETE FROM province.tenants WHERE slug = :s"), {"s": slug})
    context.invalidate(slug)
    return ref


def list_tenants() -> list[dict]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                """SELECT slug, name, region_code, schema_name, order_prefix, status, schema_version,
                          migrate_status, migrate_error, provision_step, created_at
                   FROM province.tenants ORDER BY region_code"""
            )
        ).mappings()
        return [dict(r) for r in rows]
