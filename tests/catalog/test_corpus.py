"""The demo appeal corpus covers every minor category and every placeholder it uses can be filled."""

from __future__ import annotations

import json
import string
from pathlib import Path

from app.catalog import baseline
from app.catalog.models import APPEAL_TYPES

CORPUS = json.loads(
    (Path(baseline.DATA).parents[1] / "demo" / "data" / "appeal_texts.json").read_text("utf-8")
)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_minor_category_has_several_varied_texts():
    minors = {c["code"]: c for c in baseline.categories() if c["parent_code"]}
    assert set(CORPUS["categories"]) == set(minors)
    for code, entry in CORPUS["categories"].items():
        texts = entry["texts"]
        assert len(texts) >= 3, code
        assert len({t["content"] for t in texts}) == len(texts) and len({t["title"] for t in texts}) == len(
            texts
        )
        for t in texts:
            assert 4 <= len(t["title"]) <= 20, t["title"]
            assert 20 <= len(t["content"]) <= 300, t["content"]
            assert t.get("appeal_type", minors[code]["appeal_type_hint"]) in APPEAL_TYPES


def test_every_placeholder_has_a_source_and_every_fill_list_is_used():
    sources = set(CORPUS["fill"]) | set(CORPUS["context"])
    used: set[str] = set()
    for entry in CORPUS["categories"].values():
        for t in entry["texts"]:
            used |= _placeholders(t["title"]) | _placeholders(t["content"])
    assert used <= sources, used - sources
    assert set(CORPUS["fill"]) <= used
    assert {"district", "community", "road", "company", "school", "date", "amount"} <= used
    for name, values in CORPUS["fill"].items():
        assert len(values) >= 4 and len(set(values)) == len(values), name
        assert not any(_placeholders(v) for v in values), name


def test_seasonal_texts_do_not_name_a_date():
    """The generator picks {date} freely, so a heating complaint must not end up dated in July."""
    seasonal = {c["code"] for c in baseline.categories() if c["season"]}
    for code in seasonal:
        for t in CORPUS["categories"][code]["texts"]:
            assert "date" not in _placeholders(t["content"]), (code, t["title"])
