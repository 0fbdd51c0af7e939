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
