"""Dense retrieval and reciprocal-rank fusion over what a city sees (docs/knowledge.md, "Dense
retrieval").

There is no pgvector here, so each process keeps a scope's vectors in memory (the province base
once, each city once) and scores them with one matrix product. Only vectors are cached, never
visibility: the nearest candidates are checked in SQL with the very rules of keyword search
(published, in validity, filters, overrides, this city's schema), so a draft or another city's
article cannot come back. The cache asks the scope's counter on every search (one tiny row) and
fetches only the vectors written since.
"""

from __future__ import annotations

import logging
import threading
from datetime import date
from functools import lru_cache

import numpy as np
from sqlalchemy import select
from threadpoolctl import threadpool_limits

from tenants import current_tenant_or_none, db

from . import embedding
from .search import keyword_search, visible_union

log = logging.getLogger(__name__)

RRF_K = 60
DEPTH = 30  # ranks of each list that enter the fusion
# Tuned on the judged queries not held out (bench/kb_dense.py --tune, docs/knowledge.md): only
# the dense matches within MARGIN of the best one are fused (cosines of e5 are compressed, so
# farther ones are mostly noise), and keyword ranks weigh less than dense ones.
DENSE_MARGIN = 0.02
KEYWORD_WEIGHT = 0.1
CANDIDATES = (100, 1000)  # nearest vectors checked for visibility, widened when filters drop most
MODES = ("keyword", "dense", "fused")


class _Vectors:
    """One scope's vectors in this process: rows grow in place, readers take a snapshot."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: tuple = (None, 0)  # (counter started_at, seq) this cache holds
        self.ids = np.empty(0, np.int64)
        self.matrix = np.empty((0, embedding.DIM), np.float32)
        self.count = 0
        self.row: dict[int, int] = {}

    def refresh(self, province: bool, head: tuple) -> tuple[np.ndarray, np.ndarray]:
        """The scope's (ids, matrix) as of ``head``, its counter row (started_at, seq)."""
        _, emb, _ = embedding.tables(province)
        started, seq = head[0], head[1] or 0
        with self.lock:
            if (started, seq) != self.stamp:
                if started != self.stamp[0]:
                    self.__init__()  # the table was emptied or never filled: start over
                newer = db.session.execute(
                    select(emb.article_id, emb.vector, emb.seq).where(
                        emb.seq > self.stamp[1], emb.model == embedding.MODEL
                    )
                ).all()
                self._merge(newer)
                self.stamp = (started, max([seq, *(r.seq for r in newer)]))
            return self.ids[: self.count], self.matrix[: self.count]

    def _merge(self, rows) -> None:
        fresh = [r for r in rows if r.article_id not in self.row]
        need = self.count + len(fresh)
        if need > len(self.ids):
            size = max(need, 2 * len(self.ids), 64)
            ids, matrix = np.empty(size, np.int64), np.empty((size, embedding.DIM), np.float32)
            ids[: self.count], matrix[: self.count] = self.ids[: self.count], self.matrix[: self.count]
            self.ids, self.matrix = ids, matrix
        for r in rows:
            at = self.row.get(r.article_id)
            if at is None:
                at = self.row[r.article_id] = self.count
                self.ids[at] = r.article_id
                self.count += 1
            self.matrix[at] = np.frombuffer(r.vector, dtype="<f4")


_caches: dict[str, _Vectors] = {}
_caches_lock = threading.Lock()


def _vectors(key: str) -> _Vectors:
    with _caches_lock:
        return _caches.setdefault(key, _Vectors())


SCOPES = ("province", "city")


def _heads(scopes: int) -> tuple:
    """The scopes' counter rows in one round trip: (province started_at, seq[, city started_at, seq])."""
    cols = []
    for province in (True, False)[:scopes]:
        counter = embedding.tables(province)[2]
        one = counter.id == 1
        cols += [
            select(counter.started_at).where(one).scalar_subquery(),
            select(counter.seq).where(one).scalar_subquery(),
        ]
    return tuple(db.session.execute(select(*cols)).one())


@lru_cache(maxsize=1)
def _one_blas_thread() -> None:
    """One BLAS thread in this process: the matrix product is memory-bound, and OpenBLAS's own
    spinning threads under a threaded web server's concurrent searches made it ~3x slower on
    2 cores (bench/kb.py, docs/knowledge.md "Speed"). Process-wide, set once at first search."""
    threadpool_limits(limits=1, user_api="blas")


def _scored(q: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(cosine, scope index, id) of every embedded article of both scopes; None when this city
    has no vectors at all or the model cannot load (callers fall back to keywords)."""
    try:
        vector = embedding.query_vector(q)
    except embedding.ModelUnavailable as exc:
        log.warning("dense search unavailable: %s", exc)
        return None
    _one_blas_thread()
    city = current_tenant_or_none()
    keys = ("province", *([city.schema] if city else []))  # the province portal: the base alone
    heads = _heads(len(keys))
    sims, scopes, ids = [], [], []
    for n, key in enumerate(keys):
        got_ids, matrix = _vectors(key).refresh(n == 0, heads[2 * n : 2 * n + 2])
        sims.append(matrix @ vector)
        scopes.append(np.full(len(got_ids), n, np.int8))
        ids.append(got_ids)
    if not sum(len(i) for i in ids):
        return None
    return np.concatenate(sims), np.concatenate(scopes), np.concatenate(ids)


def _best(scored, n: int | None) -> list[tuple[float, str, int]]:
    """The ``n`` most similar (all for None), best first."""
    sims, scopes, ids = scored
    every = n is None or n >= len(sims)
    picked = np.arange(len(sims)) if every else np.argpartition(-sims, n)[:n]
    picked = picked[np.lexsort((ids[picked], scopes[picked], -sims[picked]))]
    return [(float(sims[i]), SCOPES[scopes[i]], int(ids[i])) for i in picked]


def _visible(candidates: list[tuple[float, str, int]] | None, today: date, filters: dict) -> dict:
    """(scope, id) -> title of the candidates this city sees (all it sees for ``None``)."""
    ids = None
    if candidates is not None:
        ids = {s: [i for _, sc, i in candidates if sc == s] for s in SCOPES}
    u = visible_union(today, filters, ids=ids)
    return {(r.scope, r.id): r.title for r in db.session.execute(select(u.c.scope, u.c.id, u.c.title))}


def dense_search(q: str, *, limit: int = 10, today: date | None = None, **filters) -> list[dict] | None:
    """Ranked ``{"id", "scope", "title", "score"}`` by cosine similarity, same visibility as
    ``keyword_search``; None when dense search is not possible here (no vectors, no model)."""
    today = today or date.today()
    scored = _scored(q)
    if scored is None:
        return None
    total = len(scored[0])
    for n in (*CANDIDATES, None):
        every = n is None or n >= total
        top = _best(scored, None if every else n)
        seen = _visible(None if every else top, today, filters)
        hits = [
            {"id": i, "scope": s, "title": seen[(s, i)], "score": round(sim, 6)}
            for sim, s, i in top
            if (s, i) in seen
        ]
        if len(hits) >= limit or every:
            break
    return hits[:limit]


def fuse(
    lists: list[list[dict]], limit: int, k: int = RRF_K, weights: tuple[float, ...] | None = None
) -> list[dict]:
    """Reciprocal rank fusion: sum of weight/(k + rank) over the lists (weights 1 unless given);
    ties keep the first list's order."""
    scores: dict[tuple[str, int], float] = {}
    first: dict[tuple[str, int], tuple[int, int, dict]] = {}
    for n, hits in enumerate(lists):
        weight = weights[n] if weights else 1.0
        for rank, hit in enumerate(hits, start=1):
            key = (hit["scope"], hit["id"])
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
            first.setdefault(key, (n, rank, hit))
    order = sorted(scores, key=lambda key: (-scores[key], first[key][:2]))
    return [first[key][2] | {"score": round(scores[key], 6)} for key in order[:limit]]


def fused_search(q: str, *, limit: int = 10, today: date | None = None, **filters) -> list[dict]:
    """Keyword and dense results fused by weighted reciprocal rank (k=60, see ``fused``);
    keywords alone when dense search is not possible here."""
    return search(q, mode="fused", limit=limit, today=today, **filters)[0]


def search(q: str, *, mode: str = "fused", limit: int = 10, today: date | None = None, **filters):
    """``(hits, mode served)``: the mode asked for, or ``keyword`` when dense is not possible."""
    today = today or date.today()
    depth = max(limit, DEPTH)
    if mode == "keyword":
        return keyword_search(q, limit=limit, today=today, **filters), "keyword"
    dense = dense_search(q, limit=depth, today=today, **filters)
    if dense is None:
        return keyword_search(q, limit=limit, today=today, **filters), "keyword"
    if mode == "dense":
        return dense[:limit], "dense"
    keyword = keyword_search(q, limit=depth, today=today, **filters)
    return fused(keyword, dense, limit), "fused"


def fused(keyword: list[dict], dense: list[dict], limit: int) -> list[dict]:
    """The near dense matches and the keyword list by weighted reciprocal rank, then the farther
    dense matches (score 0) while there is room."""
    near = [h for h in dense if h["score"] >= dense[0]["score"] - DENSE_MARGIN] if dense else []
    hits = fuse([keyword, near], limit, weights=(KEYWORD_WEIGHT, 1.0))
    seen = {(h["scope"], h["id"]) for h in hits}
    more = [h | {"score": 0.0} for h in dense if (h["scope"], h["id"]) not in seen]
    return hits + more[: limit - len(hits)]
