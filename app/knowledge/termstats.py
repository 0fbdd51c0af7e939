"""How many articles hold a search term, without visiting thousands of rows per query.

IDF needs document frequencies. Counting a common term means reading every article that holds
it; PostgreSQL's ANALYZE already keeps the most common lexemes of each tsvector column with the
share of rows holding them (``pg_stats.most_common_elems``). Those serve the common terms (read
once per table every ``STATS_SECONDS``); any other term is counted in that table, but only up to
``COUNT_CAP`` rows: past that it is "fairly common", estimated halfway between the cap and the
rarest tracked share. Non-zero counts are kept as long as the statistics. Counts cover every
stored article (drafts too): IDF only orders the query's terms. docs/knowledge.md, "Speed".
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import text

from tenants import db

STATS_SECONDS = 300
COUNT_CAP = 100  # rows visited at most per counted term and table


@dataclass(frozen=True)
class TableStats:
    rows: float  # the planner's row count (reltuples)
    shares: dict[str, float]  # lexeme -> share of rows holding it
    floor: float  # rows holding the rarest tracked lexeme: others are held by fewer


_STATS_SQL = text(
    """
    SELECT c.reltuples, s.most_common_elems::text::text[] AS elems, s.most_common_elem_freqs AS freqs
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_stats s
        ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'search_tsv'
     WHERE n.nspname = :schema AND c.relname = 'kb_articles'"""
)
_cache: dict[str, tuple[float, TableStats | None]] = {}
_lock = threading.Lock()


def table_stats(schema: str) -> TableStats | None:
    """The lexeme shares of ``schema``.kb_articles, or None before ANALYZE has looked at it."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(schema)
    if hit and now - hit[0] < STATS_SECONDS:
        return hit[1]
    row = db.session.execute(_STATS_SQL, {"schema": schema}).first()
    stats = None
    if row is not None and row.elems and row.reltuples > 0:
        freqs = row.freqs[: len(row.elems)]  # the array ends with min, max and the null share
        floor = min(freqs) * row.reltuples
        stats = TableStats(rows=row.reltuples, shares=dict(zip(row.elems, freqs, strict=True)), floor=floor)
    with _lock:
        _cache[schema] = (now, stats)
    return stats


def forget() -> None:
    """Drop the cached statistics and counts (after a bulk load and ANALYZE)."""
    with _lock:
        _cache.clear()
        _counted.clear()


def _quote(term: str) -> str:
    return "'" + term.replace("'", "''").replace("\\", "") + "'"


@lru_cache(maxsize=64)
def _count_sql(schemas: tuple[str, ...]):
    """Per term (row of the arrays), its capped count in each schema's articles where asked.

    Plain SQL with array parameters: one cached statement whatever the number of terms.
    """
    cols = ", ".join(
        f"""CASE WHEN t.a{n} THEN (SELECT count(*) FROM (SELECT 1 FROM "{schema}".kb_articles a
              WHERE a.search_tsv @@ to_tsquery('simple', t.q) LIMIT :cap) s) ELSE 0 END"""
        for n, schema in enumerate(schemas)
    )
    arrays = ", ".join(f"CAST(:a{n} AS boolean[])" for n in range(len(schemas)))
    names = ", ".join(f"a{n}" for n in range(len(schemas)))
    return text(
        f"""SELECT {cols} FROM unnest(CAST(:queries AS text[]), {arrays}) WITH ORDINALITY AS t(q, {names}, n)
             ORDER BY t.n"""
    )


_counted: dict[tuple[str, str], tuple[float, float]] = {}  # (schema, term) -> (when, articles)
COUNTED_MAX = 50_000


def _recall(schema: str, term: str, now: float) -> float | None:
    hit = _counted.get((schema, term))
    return hit[1] if hit and now - hit[0] < STATS_SECONDS else None


def frequencies(terms: list[str], schemas: list[str]) -> tuple[dict[str, float], float]:
    """({term: articles holding it}, articles in all) over those schemas' kb_articles.

    One statement at most: the capped counts of the terms the statistics do not track. A count
    is kept for ``STATS_SECONDS`` like the statistics, but never a zero: a term just published
    must be found at once (a stale non-zero count only keeps a term in the query).
    """
    now = time.monotonic()
    df = dict.fromkeys(terms, 0.0)
    every = [table_stats(schema) for schema in schemas]
    asks: list[list[bool]] = [[] for _ in schemas]
    for term in terms:
        for n, (schema, stats) in enumerate(zip(schemas, every, strict=True)):
            tracked = stats is not None and term in stats.shares
            known = stats.shares[term] * stats.rows if tracked else _recall(schema, term, now)
            df[term] += known or 0.0
            asks[n].append(known is None)
    if any(any(a) for a in asks):
        params = {"queries": [_quote(t) for t in terms], "cap": COUNT_CAP}
        params |= {f"a{n}": a for n, a in enumerate(asks)}
        rows = db.session.connection().execute(_count_sql(tuple(schemas)), params)
        for k, (term, row) in enumerate(zip(terms, rows, strict=True)):
            for n, (schema, stats, count) in enumerate(zip(schemas, every, row, strict=True)):
                if not asks[n][k]:
                    continue
                capped = count >= COUNT_CAP and stats is not None and stats.floor > COUNT_CAP
                held = (COUNT_CAP + stats.floor) / 2 if capped else float(count)
                df[term] += held
                if held:
                    if len(_counted) > COUNTED_MAX:
                        _counted.clear()
                    _counted[(schema, term)] = (now, held)
    total = sum(s.rows for s in every if s is not None)
    return df, max(total, max(df.values(), default=0.0))
