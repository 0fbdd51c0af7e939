"""The category suggester: TF-IDF over character n-grams and a linear model (scikit-learn).

Character 1-3-grams need no word segmentation for Chinese and are robust to the filled-in
place names of citizen texts. Trained once per process from the demo corpus
(``app/demo/data/appeal_texts.json``); pure: no database, no Flask.
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass
from functools import lru_cache

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import LinearSVC

from ..demo import generator


@dataclass(frozen=True)
class Suggestion:
    category_code: str
    score: float


def _fill(template: str, rng: random.Random, pools: dict) -> str:
    names = [n for _, n, _, _ in string.Formatter().parse(template) if n]
    values = {}
    for n in names:
        pool = pools.get(n) or pools.get(n + "s")
        values[n] = rng.choice(pool) if pool else {"amount": "3600", "date": "11月3日"}.get(n, "某地")
    return template.format_map(values)


def samples(*, seed: int = 7, per_template: int = 3) -> list[tuple[str, str, int]]:
    """(text, category code, template index) from every corpus template, filled ``per_template`` times."""
    data = generator.corpus()
    pools = data.get("fill") or {}
    rng = random.Random(seed)
    out = []
    for code, entry in sorted((data.get("categories") or {}).items()):
        for i, t in enumerate(entry.get("texts") or []):
            template = t.get("content") or t.get("text") or ""
            for _ in range(per_template):
                out.append((_fill(template, rng, pools), code, i))
    return out


def train(pairs: list[tuple[str, str]]) -> Pipeline:
    texts, labels = zip(*pairs, strict=True)
    model = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True),
        LinearSVC(C=0.5),
    )
    names = [(m["name"], m["code"]) for m in generator.taxonomy()]  # the category's own name helps
    return model.fit([*texts, *(n for n, _ in names)], [*labels, *(c for _, c in names)])


def suggest_with(model: Pipeline, text: str, k: int = 3) -> list[Suggestion]:
    """Best ``k`` with a softmax of the margins as a score (a ranking aid, not a calibrated probability)."""
    margins = model.decision_function([text])[0]
    classes = model.classes_
    best = sorted(range(len(classes)), key=lambda i: -margins[i])[:k]
    total = sum(math.exp(m * 5) for m in margins)
    return [Suggestion(str(classes[i]), round(math.exp(margins[i] * 5) / total, 4)) for i in best]


@lru_cache(maxsize=1)
def default_model() -> Pipeline:
    return train([(text, code) for text, code, _ in samples()])


def suggest(text: str, k: int = 3) -> list[Suggestion]:
    """The ``k`` likeliest baseline categories for an appeal text, best first."""
    return suggest_with(default_model(), text, k)
