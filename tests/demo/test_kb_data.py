"""The demo knowledge base files: every article passes the knowledge service's field rules,
categories are leaves, titles are unique (per scope and against the province base), the set
covers the taxonomy and every material type, and relative dates resolve."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from app.demo import kb
from app.knowledge import service
from app.knowledge.models import MATERIAL_TYPES
from app.knowledge.taxonomy import LEAVES, TREE

TODAY = date(2026, 1, 15)
REQUIRED = {"title", "category_path", "content", "issuing_unit", "material_type", "keywords", "valid_from"}


def test_every_article_passes_the_field_rules():
    for article in kb.raw_province() + kb.raw_city():
        assert set(article) >= REQUIRED, article["title"]
        f = kb.fields(article, TODAY)
        service.validate(f)  # leaf category, title <= 128, keywords <= 20, type, date order
        assert f["category_path"] in LEAVES
        assert 2 <= len(article["content"]) <= 6 and all(len(p) >= 20 for p in article["content"])
        assert 150 <= len(f["content"]) <= 2000, article["title"]
        assert 2 <= len(f["keywords"]) <= 8 and len(set(f["keywords"])) == len(f["keywords"])
        assert len(f["issuing_unit"]) <= 128 and f["issuing_unit"].strip()
        assert f["valid_from"] <= TODAY


def test_titles_are_unique():
    province = [a["title"] for a in kb.raw_province()]
    assert [t for t, n in Counter(province).items() if n > 1] == []
    city = Counter((a["city"], a["title"]) for a in kb.raw_city())
    assert [k for k, n in city.items() if n > 1] == []
    assert {a["title"] for a in kb.raw_city()}.isdisjoint(province)  # never confusable in one city


def test_the_set_covers_the_taxonomy_and_every_type():
    articles = kb.raw_province()
    assert len(articles) >= 220
    tops = Counter(a["category_path"].split("/")[0] for a in articles)
    assert set(tops) == set(TREE)
    leaves = {a["category_path"] for a in articles}
    assert len(leaves) >= 0.9 * len(LEAVES)
    types = Counter(a["material_type"] for a in articles)
    assert set(types) == set(MATERIAL_TYPES) and min(types.values()) >= 15


def test_city_articles_name_a_city_and_one_overrides_a_province_article():
    province = {a["title"] for a in kb.raw_province()}
    city = kb.raw_city()
    assert len(city) >= 10
    assert all(a["city"] for a in city)
    overrides = [a for a in city if a.get("overrides")]
    assert overrides and all(a["overrides"] in province for a in overrides)


def test_files_stay_small():
    for name in [*kb.province_files(), kb.CITY_FILE]:
        assert (kb.DATA / name).stat().st_size < 300_000, name


@pytest.mark.parametrize(
    ("value", "expected"),
    [("+365d", date(2027, 1, 15)), ("-30d", date(2025, 12, 16)), ("+0d", TODAY), (None, None)],
)
def test_relative_dates(value, expected):
    assert kb.resolve_date(value, TODAY) == expected


@pytest.mark.parametrize("bad", ["2026-01-01", "+1y", "365d", "+d", ""])
def test_bad_relative_dates_are_refused(bad):
    with pytest.raises(ValueError):
        kb.resolve_date(bad, TODAY)
