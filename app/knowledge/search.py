"""Chinese keyword search (检索) over the articles a city sees.

Text is segmented with jieba (plus a hotline user dictionary) when an article is written, and
stored as a weighted ``simple`` tsvector (title A, keywords B, content C) under a GIN index. A
query is segmented the same way, colloquial words are expanded to official terms (暖气→供暖),
terms are weighed by IDF; all terms must match first (AND), and when that finds too little the
best few terms by IDF are OR-ed (capped, so a long sentence does not match everything).
"""

from __future__ import annotations

import math
from datetime import date
from functools import lru_cache

import jieba
from sqlalchemy import ARRAY, BigInteger, Select, any_, func, literal, literal_column, or_, select, union_all

from tenants import db

from .models import CityArticle, ProvinceArticle

# hotline words jieba does not know as one token (用户词典)
USER_WORDS = (
    "暖气不热",
    "拖欠工资",
    "欠薪",
    "楼上漏水",
    "物业费",
    "预付卡",
    "社保卡",
    "公积金",
    "12345",
    "油烟",
)
# colloquial -> official (口语→规范用语)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "暖气": ("供暖",),
    "暖气不热": ("供暖", "室温"),
    "老板": ("用人单位",),
    "不发工资": ("拖欠工资",),
    "欠薪": ("拖欠工资",),
    "工资": ("工资",),
    "漏水": ("渗漏", "漏水维修"),
    "吵": ("噪声",),
    "噪音": ("噪声",),
    "停水": ("停水报修",),
    "停电": ("停电报修",),
    "退钱": ("退费",),
}
_STOP_WORDS = "的 了 吗 呢 啊 我 你 他 她 们 怎么 怎么办 什么 是 在 有 和 就 都 也 还 要 不 没 请问 一下"
STOP = frozenset(_STOP_WORDS.split())
OR_CAP = 6


@lru_cache(maxsize=1)
def _ready() -> None:
    for word in USER_WORDS:
        jieba.add_word(word, freq=200000)


def segment(text: str) -> list[str]:
    _ready()
    return [t for t in (w.strip().lower() for w in jieba.cut_for_search(text or "")) if t and t not in STOP]


def tsv_expression(title: str, keywords: list[str], content: str):
    """The weighted tsvector SQL for one article (evaluated on flush)."""

    def part(text: str, weight: str):
        return func.setweight(
            func.to_tsvector("simple", " ".join(segment(text))), literal_column(f"'{weight}'::\"char\"")
        )

    return part(title, "A").op("||")(part(" ".join(keywords or []), "B")).op("||")(part(content, "C"))


def query_terms(q: str) -> list[str]:
    terms: list[str] = []
    for word in segment(q):
        for synonym in (word, *SYNONYMS.get(word, ())):
            for piece in (synonym, *segment(synonym)):
                if piece not in terms and piece not in STOP:
                    terms.append(piece)
    return terms


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


def visible_union(today: date, filters: dict, ids: dict[str, list[int]] | None = None):
    """What this city sees: published, in-validity province articles it does not override plus
    its own, under the filters; ``ids`` ({"province": [...], "city": [...]}) narrows to those."""
    overridden = select(CityArticle.overrides_id).where(
        CityArticle.overrides_id.isnot(None), CityArticle.state == "published"
    )
    cols = lambda m, scope: (m.id, m.title, m.search_tsv, literal(scope).label("scope"))  # noqa: E731

    def only(m, scope: str) -> list:  # = ANY(array): one bound parameter, not one per id
        return [] if ids is None else [m.id == any_(literal(ids.get(scope) or [], ARRAY(BigInteger)))]

    return union_all(
        select(*cols(ProvinceArticle, "province")).where(
            *_live(ProvinceArticle, today, filters),
            ProvinceArticle.id.not_in(overridden),
            *only(ProvinceArticle, "province"),
        ),
        select(*cols(CityArticle, "city")).where(
            *_live(CityArticle, today, filters), *only(CityArticle, "city")
        ),
    ).subquery()


def idf(terms: list[str], today: date, filters: dict) -> dict[str, float]:
    if not terms:
        return {}
    u = visible_union(today, filters)
    counts = [
        func.count().filter(u.c.search_tsv.op("@@")(func.to_tsquery("simple", _quote(t)))) for t in terms
    ]
    row = db.session.execute(select(func.count(), *counts).select_from(u)).one()
    n = row[0]
    return {t: math.log((n + 1) / (df + 0.5)) for t, df in zip(terms, row[1:], strict=True) if df}


def keyword_search(q: str, *, limit: int = 10, today: date | None = None, **filters) -> list[dict]:
    """Ranked ``{"id", "scope", "title", "score"}`` of the articles this city sees."""
    today = today or date.today()
    weights = idf(query_terms(q), today, filters)
    if not weights:
        return []
    ranked = sorted(weights, key=weights.get, reverse=True)
    hits = _run(" & ".join(map(_quote, ranked)), today, filters, limit)
    if len(hits) < limit:
        seen = {(h["scope"], h["id"]) for h in hits}
        more = _run(" | ".join(map(_quote, ranked[:OR_CAP])), today, filters, limit)
        hits += [h for h in more if (h["scope"], h["id"]) not in seen][: limit - len(hits)]
    return hits


def _run(tsquery: str, today: date, filters: dict, limit: int) -> list[dict]:
    u = visible_union(today, filters)
    query = func.to_tsquery("simple", tsquery)
    rank = func.ts_rank_cd(u.c.search_tsv, query).label("score")
    stmt: Select = (
        select(u.c.id, u.c.scope, u.c.title, rank)
        .where(u.c.search_tsv.op("@@")(query))
        .order_by(rank.desc(), u.c.id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in db.session.execute(stmt)]
