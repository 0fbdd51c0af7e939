"""Provision the demo province from ``app/demo/data/hebei_cities.json`` (docs/architecture.md §13)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from tenants import provision
from tenants.context import UnknownTenant, lookup
from tenants.db import db
from tenants.migrate import ensure_province
from tenants.models import TenantStatus

DATA = Path(__file__).parent / "data" / "hebei_cities.json"


@lru_cache(maxsize=1)
def province() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def cities() -> list[dict]:
    return province()["cities"]


def city(slug: str) -> dict:
    for c in cities():
        if c["slug"] == slug:
            return c
    raise KeyError(slug)


def ensure_demo_province(slugs: list[str] | None = None, progress=print) -> list[str]:
    """Create the demo cities that are missing; resume unfinished ones. Returns the slugs created."""
    ensure_province(db.engine)
    created = []
    for c in cities():
        if slugs and c["slug"] not in slugs:
            continue
        try:
            if lookup(c["slug"], fresh=True).status == TenantStatus.ACTIVE:
                continue
        except UnknownTenant:
            pass
        progress(f"provisioning {c['slug']} ({c['name']})")
        provision.create_tenant(
            c["slug"], name=c["name"], region_code=c["region_code"], order_prefix=c["prefix"]
        )
        created.append(c["slug"])
    from app.emergency.mapping import seed_demo

    if seed_demo():  # the demo province's 110/119/120/122 class map, once (docs/integrations.md)
        db.session.commit()
    return created
