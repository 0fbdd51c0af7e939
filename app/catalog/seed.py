"""Provisioning: seed a tenant's catalog from the provincial baseline (idempotent).

Inserts only what is missing (``ON CONFLICT DO NOTHING``), so a re-run adds new baseline
entries but never duplicates a row or overwrites a city's edit.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from sqlalchemy.dialects.postgresql import insert

from tenants.context import TenantRef
from tenants.db import db

from . import baseline
from .models import Category, Department, District

log = logging.getLogger(__name__)


def districts_for(ref: TenantRef) -> list[baseline.CityDistrict]:
    """The demo city's districts (by slug, codes from the tenant's region code); none otherwise."""
    from ..demo.province import city

    try:
        names = city(ref.slug)["districts"]
    except KeyError:
        return []
    return baseline.city_districts(ref.region_code, names)


def insert_missing(model: type, rows: list[dict]) -> int:
    """Insert rows whose key (or any unique key) is not taken yet; returns how many went in."""
    if not rows:
        return 0
    # Core on the session's connection (same transaction and schema); RETURNING counts the rows
    # that went in (the driver's rowcount is -1 for this statement).
    table = model.__table__
    stmt = insert(table).values(rows).on_conflict_do_nothing().returning(*table.primary_key.columns)
    return len(db.session.connection().execute(stmt).all())


def seed_catalog(ref: TenantRef) -> list[baseline.CityDistrict]:
    """Districts, taxonomy and departments; returns the districts for the dispatch seeding."""
    districts = districts_for(ref)
    added = insert_missing(District, [asdict(d) for d in districts])
    cats = [c | {"origin": "baseline"} for c in baseline.categories()]
    added += insert_missing(Category, [c for c in cats if c["parent_code"] is None])
    added += insert_missing(Category, [c for c in cats if c["parent_code"] is not None])
    depts = baseline.departments(ref.name, districts)
    added += insert_missing(Department, [d | {"origin": "baseline"} for d in depts])
    log.info("%s: catalog seeded (%d rows added, %d districts)", ref.slug, added, len(districts))
    return districts
