"""Provisioning step ``reference-data``: the catalog first, then the dispatch catalogue on top.

Idempotent like the catalog seeding: a baseline rule goes in only when its (category,
district) key is free, so a city's own rule or edit always stays. A baseline rule that
would name a department or category the city has retired is left out (and logged).
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from tenants.context import TenantRef
from tenants.db import db

from ..catalog import baseline
from ..catalog.models import Category, Department
from ..catalog.seed import insert_missing, seed_catalog
from .models import DispatchRule

log = logging.getLogger(__name__)


def seed_reference_data(ref: TenantRef) -> None:
    districts = seed_catalog(ref)
    seed_rules(baseline.dispatch_rules(districts))


def seed_rules(rows: list[dict]) -> int:
    active_depts = set(db.session.scalars(select(Department.code).where(Department.active.is_(True))))
    active_cats = set(db.session.scalars(select(Category.code).where(Category.active.is_(True))))
    governments = dict(
        db.session.execute(
            select(Department.district_code, Department.code).where(
                Department.kind == "district_government", Department.active.is_(True)
            )
        ).all()
    )
    keep = []
    for row in rows:
        if row["district_code"] is not None:
            row = _local_government(row, governments.get(row["district_code"]))
        named = [row["lead_department"], *row["assist_departments"]]
        missing = [str(d) for d in named if d not in active_depts]
        if missing or row["category_code"] not in active_cats:
            what = ", ".join(missing) or f"category {row['category_code']}"
            log.warning(
                "baseline rule %s/%s left out: %s retired", row["category_code"], row["district_code"], what
            )
            continue
        keep.append(row | {"origin": "baseline"})
    return insert_missing(DispatchRule, keep)


def _local_government(row: dict, government: str | None) -> dict:
    """Put the district's actual government where the baseline named the template code."""
    template = baseline.government_code(row["district_code"])
    swap = {template: government}
    return row | {
        "lead_department": swap.get(row["lead_department"], row["lead_department"]),
        "assist_departments": [swap.get(a, a) for a in row["assist_departments"]],
    }
