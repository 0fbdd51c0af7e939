"""Class maps (docs/integrations.md §Class maps): each platform's classes and the city categories.

Putian split non-police matters (非警务类) into 21 major / 107 minor classes; cities keep such
lists with their 110 centre. The province keeps one table for every city; a city's own row of
the same platform and class replaces the province's (a city row without a category un-maps it).

- Inbound, a known class maps to a category only if that category is an active leaf of the city's
  taxonomy; otherwise (a police class, a class without category, a retired category, no class
  sent) the order waits in the desk's triage queue. A class code in neither table is unknown:
  the sender gets a 422 naming it and nothing is filed (``UnknownClass``).
- Outbound, an order's category names the platform's class: the city's rows first, then the
  province's, the lowest class code among several.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from tenants import db

from ..auth.policy import require
from ..auth.principal import Principal
from ..catalog import baseline
from ..catalog import service as catalog
from ..errors import DomainError, NotFound
from ..orders.workflow import EMERGENCY_TARGETS
from .models import CityClassMap, ProvinceClassMap

DEMO_DATA = Path(__file__).parent / "data" / "class_map.json"
FIELDS = ("class_name", "major_code", "major_name", "police", "category_code")


@dataclass(frozen=True)
class Resolved:
    """What an inbound class stands for in this city."""

    category_code: str | None  # None: triage
    class_name: str | None
    police: bool
    source: str | None  # city | province | None (no row)
    reason: str | None = None  # why no category: unmapped, police, inactive category


class RowsRejected(DomainError):
    """Some rows are bad: nothing was written; ``errors.rows`` lists ``{row, field, message}``."""

    def __init__(self, problems: list[dict[str, Any]], *, rows: int):
        bad = len({p["row"] for p in problems})
        super().__init__(
            f"{bad} of {rows} rows have errors; nothing was imported", errors={"rows": problems}, status=422
        )


class UnknownClass(DomainError):
    status = 422


def model(province: bool):
    return ProvinceClassMap if province else CityClassMap


def _permission(province: bool) -> str:
    return "emergency.manage_province" if province else "emergency.manage"


def _row(platform: str, class_code: str):
    city = db.session.get(CityClassMap, (platform, class_code))
    if city is not None:
        return city, "city"
    prov = db.session.get(ProvinceClassMap, (platform, class_code))
    return (prov, "province") if prov is not None else (None, None)


def resolve(platform: str, class_code: str | None) -> Resolved:
    if not class_code:
        return Resolved(None, None, False, None, "no class sent")
    row, source = _row(platform, class_code)
    if row is None:
        raise UnknownClass(
            f"unknown class {class_code!r} of platform {platform}: send a class of the class map, or none",
            errors={"json": {"incidentComponent": {"incidentTypeInternalCode": ["unknown class"]}}},
        )
    code = row.category_code
    if code is None:
        reason = "a police class" if row.police else f"class {class_code} has no category"
        return Resolved(None, row.class_name, row.police, source, reason)
    category = catalog.get_category(code)
    if category is None or not category.is_leaf:
        return Resolved(None, row.class_name, row.police, source, f"category {code} is not active here")
    return Resolved(code, row.class_name, row.police, source)


def class_for(platform: str, category_code: str | None):
    """The platform class an order of ``category_code`` is sent as (None: no mapping)."""
    if not category_code:
        return None
    city = db.session.scalars(
        select(CityClassMap)
        .where(CityClassMap.platform == platform, CityClassMap.category_code == category_code)
        .order_by(CityClassMap.class_code)
        .limit(1)
    ).first()
    if city is not None:
        return city
    overridden = exists().where(
        CityClassMap.platform == ProvinceClassMap.platform,
        CityClassMap.class_code == ProvinceClassMap.class_code,
    )
    return db.session.scalars(
        select(ProvinceClassMap)
        .where(
            ProvinceClassMap.platform == platform,
            ProvinceClassMap.category_code == category_code,
            ~overridden,
        )
        .order_by(ProvinceClassMap.class_code)
        .limit(1)
    ).first()


def as_dict(row, source: str) -> dict[str, Any]:
    return {
        "platform": row.platform,
        "class_code": row.class_code,
        "class_name": row.class_name,
        "major_code": row.major_code,
        "major_name": row.major_name,
        "police": row.police,
        "category_code": row.category_code,
        "source": source,
        "updated_by": row.updated_by,
        "updated_at": row.updated_at,
    }


def listing(*, province: bool, platform: str | None = None, effective: bool = False) -> list[dict[str, Any]]:
    """The province's rows, a city's own rows, or (``effective``) what applies in the bound city."""

    def rows(m):
        stmt = select(m).order_by(m.platform, m.class_code)
        return db.session.scalars(stmt.where(m.platform == platform) if platform else stmt).all()

    if province:
        return [as_dict(r, "province") for r in rows(ProvinceClassMap)]
    own = {(r.platform, r.class_code): as_dict(r, "city") for r in rows(CityClassMap)}
    if not effective:
        return list(own.values())
    merged = {(r.platform, r.class_code): as_dict(r, "province") for r in rows(ProvinceClassMap)}
    merged.update(own)
    return [merged[k] for k in sorted(merged)]


def check_category(code: str | None, *, province: bool) -> str | None:
    """The problem with ``code`` as a mapping target, or None (None itself is allowed: unmapped)."""
    if code is None:
        return None
    if province:
        leaves = {c["code"] for c in baseline.categories() if c["parent_code"]}
        return None if code in leaves else f"{code} is not a minor category of the province baseline"
    category = catalog.get_category(code)
    if category is None or not category.is_leaf:
        return f"{code} is not an active minor category of this city"
    return None


def upsert(rows: list[dict[str, Any]], *, province: bool, actor: str) -> int:
    """Insert or replace rows (already checked) in one statement."""
    if not rows:
        return 0
    m = model(province)
    now = datetime.now(UTC)
    values = [{**r, "updated_by": actor, "updated_at": now} for r in rows]
    stmt = pg_insert(m).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[m.platform, m.class_code],
        set_={name: stmt.excluded[name] for name in (*FIELDS, "updated_by", "updated_at")},
    )
    db.session.execute(stmt)
    return len(rows)


def put(principal: Principal, *, province: bool, platform: str, class_code: str, body: dict[str, Any]):
    """One row, created or replaced (422 for a category that is not a leaf at this level)."""
    require(principal, _permission(province))
    if problem := check_category(body.get("category_code"), province=province):
        raise RowsRejected([{"row": 1, "field": "category_code", "message": problem}], rows=1)
    upsert(
        [{"platform": platform, "class_code": class_code, **{f: body.get(f) for f in FIELDS}}],
        province=province,
        actor=principal.username,
    )
    db.session.expire_all()
    return db.session.get(model(province), (platform, class_code))


def remove(principal: Principal, *, province: bool, platform: str, class_code: str) -> None:
    require(principal, _permission(province))
    m = model(province)
    gone = db.session.execute(
        delete(m).where(m.platform == platform, m.class_code == class_code).returning(m.class_code)
    ).first()
    if gone is None:
        raise NotFound(f"no class {class_code} of platform {platform} in this table")


def seed_demo() -> int:
    """The demo province's mapping (Putian-like classes, app/emergency/data/class_map.json), once:
    only while the province table is empty, so an administrator's edits are never overwritten."""
    if db.session.scalar(select(func.count()).select_from(ProvinceClassMap)):
        return 0
    data = json.loads(DEMO_DATA.read_text(encoding="utf-8"))
    rows = []
    for platform, majors in data["platforms"].items():
        assert platform in EMERGENCY_TARGETS, platform
        for major in majors:
            for minor in major["minors"]:
                rows.append(
                    {
                        "platform": platform,
                        "class_code": minor["code"],
                        "class_name": minor["name"],
                        "major_code": major["code"],
                        "major_name": major["name"],
                        "police": bool(major.get("police")),
                        "category_code": minor.get("category"),
                    }
                )
    return upsert(rows, province=True, actor="seed")
