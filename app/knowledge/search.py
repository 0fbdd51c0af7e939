"""Chinese keyword search (检索) over the articles a city sees (docs/knowledge.md, "Search").

Text is segmented with jieba (plus the hotline vocabulary, ``vocabulary.py``) when an article is
written, and stored as a weighted ``simple`` tsvector (title A, keywords B, content C) under a
GIN index. A query is segmented the same way into groups, one per meaningful word: the word, its
official synonyms (暖气 -> 供暖) and their pieces, any of which may match. Terms are weighed by
IDF (``termstats``: PostgreSQL's own statistics, no row scans). All groups must match first
(AND); when that finds too little, at least 3, 2, then 1 of the rarest few groups (a capped OR),
in one statement that stops at the first level that fills the page.
"""

from __future__ import annotations

import math
from datetime import date
from functools import lru_cache
from itertools import combinations

import jieba
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Integer,
    Select,
    String,
    Text,
    any_,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)

from tenants import current_tenant_or_none, db

from . import termstats
from .models import CityArticle, ProvinceArticle
from .vocabulary import STOP, SYNONYMS, USER_WORDS  # the hotline vocabulary (re-exported here)

OR_CAP = 6  # groups in the relaxed levels
CANDIDATES = 30  # matches ranked per level: a vague query on a large base stays cheap


@lru_cache(maxsize=1)
def _ready() -> None:
    for word in USER_WORDS:
        jieba.add_word(word, freq=200000)


def segment(text: str) -> list[str]:
    _ready()
    return [t for t in (w.strip().lower() for w in jieba.cut_for_search(text or "")) if t and t not in STOP]


def tsv_expression(title: str, keywords: list[str], content: str):
    """The weighted tsvector SQL for one article (evaluated on flush)."""
    words = lambda text: " ".join(segment(text))  # noqa: E731
    return tsv_of(words(title), words(" ".join(keywords or [])), words(content))


def tsv_of(title_words, keyword_words, content_words):
    """Title A / keywords B / content C from already segmented words: values (one article) or
    columns (a bulk ``INSERT ... SELECT``, bench/kb.py), so every write builds the same vector."""

    def part(words, weight: str):
        return func.setweight(func.to_tsvector("simple", words), literal_column(f"'{weight}'::\"char\""))

    return part(title_words, "A").op("||")(part(keyword_words, "B")).op("||")(part(content_words, "C"))


def _noise(word: str) -> bool:
    """Punctuation, and single characters that carry no meaning alone (才, 着, 把) unless the
    vocabulary maps them to an official term (吵 -> 噪声)."""
    if not any(ch.isalnum() for ch in word):
        return True
    return len(word) == 1 and not word.isdigit() and word not in SYNONYMS


def query_groups(q: str) -> list[tuple[str, ...]]:
    """One group per meaningful word of the query (precise segmentation): the word, its official
    synonyms and the pieces of both (as indexed); any one of a group may match."""
    _ready()
    groups: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for word in (w.strip().lower() for w in jieba.cut(q or "")):
        if word in STOP or _noise(word):
            continue
        group: list[str] = []
        for synonym in (word, *SYNONYMS.get(word, ())):
            for piece in (synonym, *segment(synonym)):
                if piece not in group and piece not in STOP and not _noise(piece):
                    group.append(piece)
        if group and not set(group) <= seen:
            groups.append(tuple(group))
            seen.update(group)
    return groups


def query_terms(q: str) -> list[str]:
    """Every term of the query's groups, in order."""
    return _flat(query_groups(q))


def _flat(groups: list[tuple[str, ...]]) -> list[str]:
    return list(dict.fromkeys(t for g in groups for t in g))


def _quote(term: str) -> str:
    return "'" + term.replace("'", "''").replace("\\", "") + "'"


def _live(model, today: date, filters: dict):
    cond = [model.state == "published", model.search_tsv.isnot(None)]
    if filters.get("valid", True):
        cond.append(or_(model.valid_to.is_(None), model.valid_to >= today))
    if filters.get("material_type"):
        cond.append(model.material_type == filters["material_type"])
    if filters.get("category"):
        cond.append(model.category_path.startswith(filters["category"]))
    if filters.get("issuing_unit"):
        cond.append(model.issuing_unit == filters["issuing_unit"])
    return cond


def schemas() -> list[str]:
    """The schemas searched: the province base, and the bound city's (none in the province
    portal, where the base is searched alone)."""
    city = current_tenant_or_none()
    return [ProvinceArticle.__table__.schema, *([city.schema] if city else [])]


def visible_union(today: date, filters: dict, ids: dict[str, list[int]] | None = None):
    """What this city sees: published, in-validity province articles it does not override plus
    its own, under the filters; ``ids`` ({"province": [...], "city": [...]}) narrows to those.
    With no city bound (the province portal): the province base alone."""
    overridden = select(CityArticle.overrides_id).where(
        CityArticle.overrides_id.isnot(None), CityArticle.state == "published"
    )
    cols = lambda m, scope: (m.id, m.title, m.search_tsv, literal(scope).label("scope"))  # noqa: E731

    def only(m, scope: str) -> list:  # = ANY(array): one bound parameter, not one per id
        return [] if ids is None else [m.id == any_(literal(ids.get(scope) or [], ARRAY(BigInteger)))]

    shared = select(*cols(ProvinceArticle, "province")).where(
        *_live(ProvinceArticle, today, filters), *only(ProvinceArticle, "province")
    )
    if current_tenant_or_none() is None:
        return shared.subquery()
    return union_all(
        shared.where(ProvinceArticle.id.not_in(overridden)),
        select(*cols(CityArticle, "city")).where(
            *_live(CityArticle, today, filters), *only(CityArticle, "city")
        ),
    ).subquery()


def idf(terms: list[str], today: date | None = None, filters: dict | None = None) -> dict[str, float]:
    """log((N + 1) / (df + 0.5)) of the terms some article holds (termstats: no row scans)."""
    if not terms:
        return {}
    df, n = termstats.frequencies(terms, schemas())
    return {t: math.log((n + 1) / (d + 0.5)) for t, d in df.items() if d}


def _any(group: tuple[str, ...]) -> str:
    return "(" + " | ".join(map(_quote, group)) + ")"


def _at_least(groups: list[tuple[str, ...]], m: int) -> str:
    """A tsquery true when at least ``m`` of the groups match (OR of the m-combinations)."""
    return " | ".join("(" + " & ".join(map(_any, combo)) + ")" for combo in combinations(groups, m))


def keyword_search(q: str, *, limit: int = 10, today: date | None = None, **filters) -> list[dict]:
    """Ranked ``{"id", "scope", "title", "score"}`` of the articles this city sees.

    Every group of the query must match first (AND); when that finds fewer than ``limit``, at
    least 3, then 2, then 1 of the ``OR_CAP`` rarest groups (a capped OR): each level's hits
    come after the stricter level's, ranked by the weighted terms of all those groups. One
    statement runs the levels in order and stops as soon as it has ``limit`` hits.
    """
    today = today or date.today()
    groups = query_groups(q)
    weights = idf(_flat(groups), today, filters)
    groups = [tuple(t for t in g if t in weights) for g in groups]
    groups = [g for g in groups if g]
    if not groups:
        return []
    top = sorted(groups, key=lambda g: min(weights[t] for t in g), reverse=True)[:OR_CAP]
    levels = [" & ".join(map(_any, groups))]
    levels += [_at_least(top, m) for m in (3, 2, 1) if m < len(groups) and m <= len(top)]
    stmt = _statement(today, tuple(sorted(filters.items())), current_tenant_or_none() is not None)
    params = {
        "levels": levels,
        "before": ["", *levels[:-1]],
        "rank_by": " | ".join(map(_any, top)),
        "limit": limit,
    }
    found = db.session.connection().execute(stmt, params)
    rows = sorted(found, key=lambda r: (r.level, -r.score, r.scope, r.id))
    return [{"id": r.id, "scope": r.scope, "title": r.title, "score": r.score} for r in rows]


@lru_cache(maxsize=64)
def _statement(today: date, filters: tuple, in_city: bool) -> Select:
    """All levels in one statement: for each level in order (a lateral join over the array of
    level queries), at most ``CANDIDATES`` visible articles matching it and not the level before
    (the levels are nested), the best ``limit`` by ``rank_by``; the outer LIMIT stops PostgreSQL
    at the first level that fills it. Terms are bound at execution and the SQL stays short, so
    the statement is built once per day, filter set and level (``in_city``: with a city's own
    articles, else the province base alone) and the driver caches its parsing."""
    u = visible_union(today, dict(filters))
    arrays = (bindparam("levels", type_=ARRAY(Text)), bindparam("before", type_=ARRAY(Text)))
    level = func.unnest(*arrays).table_valued("m", "before", with_ordinality="n").render_derived()
    matches = lambda q: u.c.search_tsv.op("@@", return_type=Boolean)(func.to_tsquery("simple", q))  # noqa: E731
    found = (
        select(u.c.id, u.c.scope, u.c.title, u.c.search_tsv)
        .where(matches(level.c.m), or_(level.c.n == 1, ~matches(level.c.before)))
        .limit(CANDIDATES)
        .correlate(level)
        .subquery()
    )
    rank = func.ts_rank(found.c.search_tsv, func.to_tsquery("simple", bindparam("rank_by", type_=String)))
    limit = bindparam("limit", type_=Integer)
    best = (
        select(found.c.id, found.c.scope, found.c.title, rank.label("score"))
        .order_by(rank.desc(), found.c.scope, found.c.id)
        .limit(limit)
        .lateral()
    )
    return select(best, (level.c.n - 1).label("level")).select_from(level.join(best, true())).limit(limit)


class ModeUnavailable(LookupError):
    """Dense or fused search asked for where it is not possible (not installed, no vectors)."""


MODES = ("keyword", "dense", "fused")


def ranked(q: str, *, mode: str = "keyword", limit: int = 5, **kwargs) -> list[tuple[str, int]]:
    """Article keys ``(scope, id)`` best first, one mode at a time (bench/kb.py compares them).

    ``dense`` and ``fused`` come from ``app/knowledge/dense.py`` (``dense_search`` answers None
    when it has no vectors); ``ModeUnavailable`` when they cannot run here.
    """
    if mode not in MODES:
        raise ValueError(f"mode is one of {', '.join(MODES)}")
    if mode == "keyword":
        hits = keyword_search(q, limit=limit, **kwargs)
    else:
        try:
            from . import dense
        except ImportError as exc:
            raise ModeUnavailable(f"{mode} search is not installed here") from exc
        hits = dense.dense_search(q, limit=limit, **kwargs)  # fused alone would fall back quietly
        if hits is None:
            raise ModeUnavailable("no article vectors here (dense search needs them)")
        if mode == "fused":
            hits = dense.fused_search(q, limit=limit, **kwargs)
    return [(h["scope"], h["id"]) for h in hits]
