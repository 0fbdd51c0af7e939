"""The demo knowledge base (演示知识库): province articles and a few city-local ones, seeded
published through the knowledge service (docs/knowledge.md, "The demo set").

The articles live in ``data/kb_*.json`` (one file per category family; ``kb_city.json`` holds
the city-local ones). Dates are stored relative to the day of seeding (``"+365d"``, ``"-30d"``)
so the demo never goes stale; ``content`` is a list of paragraphs.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import select

from tenants import db, tenant_context

from ..auth.principal import Principal, Role
from ..knowledge import service
from ..knowledge.models import CityArticle, ProvinceArticle

DATA = Path(__file__).parent / "data"
CITY_FILE = "kb_city.json"
_RELATIVE = re.compile(r"^([+-])(\d{1,5})d$")


def resolve_date(value: str | None, today: date) -> date | None:
    """``"+365d"`` -> today + 365 days; ``None`` stays open-ended."""
    if value is None:
        return None
    m = _RELATIVE.match(value)
    if not m:
        raise ValueError(f"relative date like '+365d' or '-30d' expected, got {value!r}")
    days = int(m.group(2))
    return today + timedelta(days=days if m.group(1) == "+" else -days)


@cache
def _raw(name: str) -> tuple[dict, ...]:
    return tuple(json.loads((DATA / name).read_text(encoding="utf-8"))["articles"])


def province_files() -> list[str]:
    return sorted(p.name for p in DATA.glob("kb_*.json") if p.name != CITY_FILE)


def raw_province() -> list[dict]:
    return [a for name in province_files() for a in _raw(name)]


def raw_city() -> list[dict]:
    return list(_raw(CITY_FILE)) if (DATA / CITY_FILE).exists() else []


def fields(article: dict, today: date) -> dict:
    """The knowledge service's fields for one stored article (dates resolved, paragraphs joined)."""
    return {
        "title": article["title"],
        "category_path": article["category_path"],
        "content": "\n\n".join(article["content"]),
        "issuing_unit": article["issuing_unit"],
        "material_type": article["material_type"],
        "keywords": list(article["keywords"]),
        "valid_from": resolve_date(article.get("valid_from"), today),
        "valid_to": resolve_date(article.get("valid_to"), today),
    }


# -- seeding ----------------------------------------------------------------------------------
# Demo identities: the editor writes and submits, the reviewer of that level publishes, so the
# articles carry the workflow's record (reviewed_by, reviewed_at) like any published article.
EDITOR = "demo-kb-editor"
REVIEWER = "demo-kb-reviewer"


def _people(tenant: str | None) -> tuple[Principal, Principal]:
    review = Role.CITY_SUPERVISOR if tenant else Role.PROVINCE_SUPERVISOR
    editor = Principal(
        subject=f"system:{EDITOR}", username=EDITOR, roles=frozenset({Role.KB_EDITOR}), tenant=tenant
    )
    reviewer = Principal(
        subject=f"system:{REVIEWER}", username=REVIEWER, roles=frozenset({review}), tenant=tenant
    )
    return editor, reviewer


def _existing(model, titles: list[str]) -> set[str]:
    return set(db.session.scalars(select(model.title).where(model.title.in_(titles))))


def seed_province(today: date | None = None) -> int:
    """Publish the province articles not there yet (matched by title); flushes, returns how many."""
    today = today or date.today()
    editor, reviewer = _people(None)
    articles = raw_province()
    have = _existing(ProvinceArticle, [a["title"] for a in articles])
    todo = [fields(a, today) for a in articles if a["title"] not in have]
    if not todo:
        return 0
    rows = service.create_many(editor, todo, province=True, submit=True)
    for row in rows:
        service.transition(reviewer, row.id, "publish", province=True)
    return len(rows)


def seed_city(slug: str, today: date | None = None) -> int:
    """Publish ``slug``'s local articles not there yet, overrides pointing at the province
    article of that title (run after ``seed_province``); flushes, returns how many."""
    today = today or date.today()
    mine = [a for a in raw_city() if a["city"] == slug]
    if not mine:
        return 0
    editor, reviewer = _people(slug)
    have = _existing(CityArticle, [a["title"] for a in mine])
    wanted = [a["overrides"] for a in mine if a.get("overrides")]
    stmt = select(ProvinceArticle.title, ProvinceArticle.id).where(ProvinceArticle.title.in_(wanted))
    province_ids = {title: pk for title, pk in db.session.execute(stmt)}
    written = 0
    for a in mine:
        if a["title"] in have:
            continue
        row = service.create(
            editor, province=False, overrides_id=province_ids.get(a.get("overrides")), **fields(a, today)
        )
        service.transition(editor, row.id, "submit", province=False)
        service.transition(reviewer, row.id, "publish", province=False)
        written += 1
    return written


def seed_all(slugs: list[str] | None = None, progress=None) -> dict[str, int]:
    """The province base, then each active city (or ``slugs``) that has local articles; commits
    per scope (it is a job: the CLI and the provisioning job call it). Idempotent."""
    from tenants.fanout import active_tenants

    out = {"province": seed_province()}
    db.session.commit()
    cities = {a["city"] for a in raw_city()}
    for slug in active_tenants() if slugs is None else slugs:
        if slug not in cities:
            continue
        with tenant_context(slug):
            out[slug] = seed_city(slug)
            db.session.commit()
    if progress:
        progress("knowledge base: " + ", ".join(f"{k} +{v}" for k, v in out.items()))
    return out


def missing(slugs: list[str] | None = None) -> int:
    """How many demo articles are not there yet (a few title queries: cheap at every start)."""
    from tenants.fanout import active_tenants

    count = len(raw_province()) - len(_existing(ProvinceArticle, [a["title"] for a in raw_province()]))
    for slug in active_tenants() if slugs is None else slugs:
        mine = [a["title"] for a in raw_city() if a["city"] == slug]
        if mine:
            with tenant_context(slug):
                count += len(mine) - len(_existing(CityArticle, mine))
    return count


SEED_JOB_ID = "demo-kb-seed"


def enqueue_seed(slugs: list[str] | None = None) -> str:
    """Seed in the background (about 6 s with jieba's start, too long for ``make run``'s start)."""
    from ..jobs import enqueue

    return enqueue(seed_all, slugs, tenant=None, job_id=SEED_JOB_ID).id
