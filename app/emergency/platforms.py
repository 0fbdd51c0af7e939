"""Each city's emergency platforms: endpoint, client and signing secret (docs/integrations.md §Setup).

A platform with no row yet has the defaults: the realm's client ``emergency-<platform>-<city>``
(integrations/keycloak/realm.py) and no endpoint, so escalations to it wait in the outbox
(visible, backing off) until a city supervisor or the province admin sets one.

Signing secrets are derived, never stored: HMAC-SHA256 of the deployment's SECRET_KEY over
``emergency:<city>:<platform>:<generation>``. Rotating bumps the generation; the previous secret
stays valid (inbound, and as a second ``v1`` outbound) for ``overlap_hours``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tenants import current_tenant, db

from ..audit import service as audit
from ..auth.policy import require
from ..auth.principal import Principal
from ..errors import Conflict, Forbidden, NotFound
from ..orders.service import actor_of
from ..orders.workflow import EMERGENCY_TARGETS
from .models import Platform


def default_client_id(platform: str, slug: str | None = None) -> str:
    return f"emergency-{platform}-{slug or current_tenant().slug}"


def get(platform: str) -> Platform:
    """The platform's settings (a transient row with the defaults when none was saved)."""
    if platform not in EMERGENCY_TARGETS:
        raise NotFound(f"no emergency platform {platform!r} (110, 119, 120 or 122)")
    row = db.session.get(Platform, platform)
    return (
        row
        if row is not None
        else Platform(
            platform=platform, client_id=default_client_id(platform), enabled=True, secret_generation=1
        )
    )


def all_platforms() -> list[Platform]:
    return [get(p) for p in EMERGENCY_TARGETS]


def for_client(principal: Principal) -> Platform:
    """The platform this client speaks for in the bound city (403 for any other client)."""
    require(principal, "emergency.report")
    saved = db.session.scalars(select(Platform).where(Platform.client_id == principal.client_id)).first()
    if saved is None:
        saved_ids = set(db.session.scalars(select(Platform.platform)))
        saved = next(
            (
                get(p)
                for p in EMERGENCY_TARGETS
                if p not in saved_ids and principal.client_id == default_client_id(p)
            ),
            None,
        )
    if saved is None or not saved.enabled:
        raise Forbidden(
            f"client {principal.client_id!r} is not an enabled emergency platform of {current_tenant().slug}"
        )
    return saved


def derive_secret(slug: str, platform: str, generation: int) -> str:
    key = (current_app.config.get("SECRET_KEY") or "").encode()
    return hmac.new(key, f"emergency:{slug}:{platform}:{generation}".encode(), hashlib.sha256).hexdigest()


def secrets(row: Platform, *, now: datetime | None = None) -> list[str]:
    """Valid secrets, current first (the previous one while its overlap lasts)."""
    slug = current_tenant().slug
    out = [derive_secret(slug, row.platform, row.secret_generation)]
    now = now or datetime.now(UTC)
    if (
        row.previous_secret_until is not None
        and now < row.previous_secret_until
        and row.secret_generation > 1
    ):
        out.append(derive_secret(slug, row.platform, row.secret_generation - 1))
    return out


def _saved(platform: str) -> Platform:
    row = db.session.get(Platform, platform, with_for_update=True)
    if row is None:
        row = get(platform)
        db.session.add(row)
    return row


def configure(principal: Principal, platform: str, changes: dict[str, Any]) -> Platform:
    """Set the endpoint, client or enabled flag of a platform (audited)."""
    require(principal, "emergency.manage")
    row = _saved(platform)
    client = changes.get("client_id")
    taken = [p.platform for p in all_platforms() if p.platform != platform and p.client_id == client]
    if client is not None and taken:
        raise Conflict(f"client {client!r} already speaks for the {taken[0]} platform of this city")
    for name in ("endpoint_url", "client_id", "enabled"):
        if name in changes:
            setattr(row, name, changes[name])
    try:
        with db.session.begin_nested():  # a concurrent update may have taken the client meanwhile
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(f"client {client!r} already speaks for another platform of this city") from exc
    row.updated_by, row.updated_at = principal.username, datetime.now(UTC)
    audit.record(
        "emergency.platform_configured",
        actor=actor_of(principal),
        platform=platform,
        **{k: changes[k] for k in ("endpoint_url", "client_id", "enabled") if k in changes},
    )
    return row


def rotate_secret(principal: Principal, platform: str, overlap_hours: int) -> tuple[Platform, str]:
    """A new signing secret (returned once here); the old one stays valid for ``overlap_hours``."""
    require(principal, "emergency.manage")
    row = _saved(platform)
    row.secret_generation = (row.secret_generation or 1) + 1
    row.previous_secret_until = datetime.now(UTC) + timedelta(hours=overlap_hours)
    row.updated_by, row.updated_at = principal.username, datetime.now(UTC)
    audit.record(
        "emergency.secret_rotated",
        actor=actor_of(principal),
        platform=platform,
        generation=row.secret_generation,
        overlap_hours=overlap_hours,
    )
    return row, secrets(row)[0]
