"""Dense and fused retrieval quality on the demo articles and the judged colloquial queries
(docs/knowledge.md, "Dense retrieval"): recall@5 and MRR per mode, tuning and held-out queries
apart. The articles are written straight into a scratch database (published, as the demo seeds
them), embedded once and kept in ``instance/kb_vectors.npz`` keyed by passage text, so a rerun
costs seconds; only a change of ``embedding.passage_text`` embeds again.

    .venv/bin/python -m bench kb_dense [--source DIR]   # DIR: a tree with app/demo/data, bench/data
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from .common import ROOT, scratch_database, server_urls

MODES = ("keyword", "dense", "fused")
CITY = "shijiazhuang"
TARGET = 0.9


def _days(value: str | None, today: date) -> date | None:
    if value is None:
        return None
    return today + timedelta(days=int(value[:-1]))


def load(source: Path) -> tuple[list[dict], list[dict]]:
    data = source / "app/demo/data"
    articles = []
    for path in sorted(data.glob("kb_*.json")):
        for a in json.loads(path.read_text(encoding="utf-8"))["articles"]:
            articles.append(a | {"scope": "city" if a.get("city") else "province"})
    raw = json.loads((source / "bench/data/kb_queries.json").read_text(encoding="utf-8"))
    return articles, raw["queries"] if isinstance(raw, dict) else raw


def seed(articles: list[dict], today: date) -> dict[str, tuple[str, int]]:
    """Published rows, province and this city's own (overrides resolved); title -> (scope, id)."""
    from app.knowledge.models import CityArticle, ProvinceArticle
    from app.knowledge.search import tsv_expression
    from tenants import db

    ids: dict[str, tuple[str, int]] = {}
    for scope, model in (("province", ProvinceArticle), ("city", CityArticle)):
        for a in articles:
            if a["scope"] != scope or a.get("city") not in (None, CITY):
                continue
            content = "\n\n".join(a["content"]) if isinstance(a["content"], list) else a["content"]
            extra = {}
            if a.get("overrides"):
                extra["overrides_id"] = ids[a["overrides"]][1]
            row = model(
                title=a["title"], category_path=a["category_path"], content=content,
                issuing_unit=a["issuing_unit"], material_type=a["material_type"],
                keywords=list(a["keywords"]), valid_from=_days(a.get("valid_from"), today),
                valid_to=_days(a.get("valid_to"), today), state="published", version=1,
                created_by="bench", search_tsv=tsv_expression(a["title"], a["keywords"], content), **extra,
            )  # fmt: skip
            db.session.add(row)
            db.session.flush()
            ids[a["title"]] = (scope, row.id)
    db.session.commit()
    return ids


def embed(cache_path: Path) -> float:
    """Vectors for every article of both scopes, from the cache where the passage is unchanged."""
    from sqlalchemy import select

    from app.knowledge import embedding
    from tenants import db

    cache = dict(np.load(cache_path)) if cache_path.exists() else {}
    started, fresh = time.perf_counter(), 0
    for province in (True, False):
        article = embedding.tables(province)[0]
        rows = db.session.execute(select(article.id, article.title, article.keywords, article.content)).all()
        texts = [embedding.passage_text(r.title, r.keywords, r.content) for r in rows]
        keys = [hashlib.sha1((embedding.MODEL + t).encode()).hexdigest() for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in cache]
        if todo:
            fresh += len(todo)
            for i, v in zip(todo, embedding.embed_passages([texts[i] for i in todo]), strict=True):
                cache[keys[i]] = v
        embedding.store(province, [(r.id, 1, cache[k]) for r, k in zip(rows, keys, strict=True)])
        db.session.commit()
    np.savez(cache_path, **cache)
    took = time.perf_counter() - started
    return took / fresh if fresh else 0.0


def evaluate(queries: list[dict], ids: dict, mode: str) -> dict:
    from app.knowledge import dense

    rows = []
    for q in queries:
        relevant = {ids[t] for t in q["relevant"] if t in ids}
        if not relevant:
            continue
        started = time.perf_counter()
        hits = dense.search(q["q"], mode=mode, limit=10)[0]
        took = time.perf_counter() - started
        got = [(h["scope"], h["id"]) for h in hits]
        rank = next((n for n, key in enumerate(got, start=1) if key in relevant), None)
        rows.append({"held": bool(q.get("heldout")), "r5": rank is not None and rank <= 5,
                     "rr": 1 / rank if rank else 0.0, "ms": took * 1000, "q": q["q"], "rank": rank})  # fmt: skip
    return {"rows": rows}


def summary(rows: list[dict]) -> str:
    if not rows:
        return "no queries"
    n = len(rows)
    r5 = sum(r["r5"] for r in rows) / n
    mrr = sum(r["rr"] for r in rows) / n
    return f"n={n:3d} recall@5 {r5:.3f} MRR {mrr:.3f}"


def fusion_grid(queries: list[dict], ids: dict) -> None:
    """The fusion grid on the tuning queries only (held-out ones are never looked at here)."""
    from app.knowledge import dense
    from app.knowledge.search import keyword_search

    lists = []
    for q in queries:
        relevant = {ids[t] for t in q["relevant"] if t in ids}
        if q.get("heldout") or not relevant:
            continue
        lists.append((relevant, keyword_search(q["q"], limit=30), dense.dense_search(q["q"], limit=30) or []))
    for margin in (None, 0.04, 0.03, 0.02, 0.015, 0.01):
        for w in (1.0, 0.5, 0.3, 0.1):
            r5 = mrr = 0.0
            for relevant, kw, dn in lists:
                near = [h for h in dn if margin is None or h["score"] >= dn[0]["score"] - margin]
                got = [(h["scope"], h["id"]) for h in dense.fuse([kw, near], 10, weights=(w, 1.0))]
                rank = next((n for n, key in enumerate(got, start=1) if key in relevant), None)
                r5 += rank is not None and rank <= 5
                mrr += 1 / rank if rank else 0
            n = len(lists)
            print(
                f"  tune: dense margin {margin} keyword weight {w:.1f}: recall@5 {r5 / n:.3f} MRR {mrr / n:.3f}"
            )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench kb_dense")
    parser.add_argument("--source", type=Path, default=ROOT)
    parser.add_argument("--misses", action="store_true", help="list the tuning queries missed at 5")
    parser.add_argument("--tune", action="store_true", help="the fusion grid on the tuning queries")
    args = parser.parse_args(argv)
    articles, queries = load(args.source)
    from app import create_app
    from app.demo.province import ensure_demo_province
    from tenants import tenant_context

    _, redis = server_urls()
    today = date.today()
    (ROOT / "instance").mkdir(exist_ok=True)
    with scratch_database("bench_kb_dense") as url:
        app = create_app(database_url=url, redis_url=redis, app_env="test", instance_path=tempfile.mkdtemp())
        logging.getLogger().setLevel(logging.WARNING)  # the provisioning's request log is noise here
        with app.app_context():
            ensure_demo_province([CITY], progress=lambda _m: None)
            with tenant_context(CITY):
                ids = seed(articles, today)
                per = embed(ROOT / "instance/kb_vectors.npz")
                print(f"kb_dense: {len(ids)} articles, {len(queries)} queries"
                      + (f"; embedded new passages at {per:.2f} s each" if per else "; vectors from cache"))  # fmt: skip
                if args.tune:
                    fusion_grid(queries, ids)
                fused_tune = 0.0
                for mode in MODES:
                    rows = evaluate(queries, ids, mode)["rows"]
                    tune = [r for r in rows if not r["held"]]
                    held = [r for r in rows if r["held"]]
                    ms = sorted(r["ms"] for r in rows)
                    p95 = ms[int(0.95 * (len(ms) - 1))] if ms else 0
                    print(f"  {mode:<8} tuning {summary(tune)} | held-out {summary(held)} | p95 {p95:.0f} ms")
                    if mode == "fused":
                        fused_tune = sum(r["r5"] for r in rows) / max(len(rows), 1)
                    if args.misses:
                        for r in tune:
                            if not r["r5"]:
                                print(f"      miss ({r['rank']}): {r['q']}")
    return 0 if fused_tune >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
