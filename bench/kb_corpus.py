"""The 50,000 articles of the knowledge speed bench (bench/kb.py): generated from the demo
set's paragraphs and bulk-inserted through the one tsvector expression, with stand-in vectors
for dense search. docs/knowledge.md, "The bench"."""

from __future__ import annotations

import random
import time
from datetime import date


def generate(n: int, seed: int = 44191) -> tuple[dict[str, str], float]:
    """``n`` published province articles from the demo paragraphs, COPY'd and turned into rows
    by one ``INSERT ... SELECT`` with ``tsv_of`` (jieba runs once per distinct paragraph).
    Returns {generated title: the demo title it was made from} and the seconds it took."""
    from sqlalchemy import ARRAY, Column, Date, MetaData, String, Table, Text, insert, literal, select, text

    from app.demo import kb
    from app.demo.province import cities
    from app.knowledge.models import ProvinceArticle
    from app.knowledge.search import segment, tsv_of
    from tenants import db

    started = time.perf_counter()
    today = date.today()
    rnd = random.Random(seed)
    base = [kb.fields(a, today) for a in kb.raw_province() if not (a.get("valid_to") or "+").startswith("-")]
    places = [(c["name"], d) for c in cities() for d in c["districts"]]
    by_top: dict[str, list[str]] = {}
    for a in base:
        by_top.setdefault(a["category_path"].split("/")[0], []).extend(a["content"].split("\n\n"))
    words = {}
    made_from: dict[str, str] = {}

    def seg(s: str) -> str:
        if s not in words:
            words[s] = " ".join(segment(s))
        return words[s]

    combos = [
        (i, p, e) for i in range(len(base)) for p in range(len(places)) for e in ("", "（试行）", "（修订）")
    ]
    rnd.shuffle(combos)
    stage = Table(
        "bench_kb_stage",
        MetaData(),
        *(Column(c, Text) for c in ("title", "category_path", "content", "issuing_unit", "material_type")),
        Column("keywords", ARRAY(String(20))),
        Column("valid_from", Date),
        Column("valid_to", Date),
        *(Column(c, Text) for c in ("title_words", "keyword_words", "content_words")),
        prefixes=["UNLOGGED"],
    )
    stage.create(db.engine)
    raw = db.engine.raw_connection()
    try:
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY bench_kb_stage ({', '.join(stage.c.keys())}) FROM STDIN") as cp,
        ):
            for i, p, edition in combos[:n]:
                a, (city, district) = base[i], places[p]
                paragraphs = a["content"].split("\n\n")
                extra = rnd.choice(by_top[a["category_path"].split("/")[0]])
                local = f"本条适用于{city}{district}，具体以{district}相关部门的最新规定为准。"
                title = f"{city}{district}{a['title']}{edition}"
                made_from[title] = a["title"]
                keywords = [*a["keywords"][:4], district]
                parts = [*paragraphs[:2], extra, local]
                cp.write_row(
                    (
                        *(
                            title,
                            a["category_path"],
                            "\n\n".join(parts),
                            a["issuing_unit"],
                            a["material_type"],
                        ),
                        keywords,
                        a["valid_from"],
                        a["valid_to"],
                        f"{seg(city + district)} {seg(a['title'])}",
                        " ".join(seg(k) for k in keywords),
                        " ".join(seg(x) for x in parts),
                    )
                )
        raw.commit()
    finally:
        raw.close()
    s = stage.c
    rows = select(
        s.title,
        s.category_path,
        s.content,
        s.issuing_unit,
        s.material_type,
        s.keywords,
        s.valid_from,
        s.valid_to,
        literal("published"),
        literal(1),
        literal("bench"),
        tsv_of(s.title_words, s.keyword_words, s.content_words),
    )
    target = ProvinceArticle.__table__
    names = ("title", "category_path", "content", "issuing_unit", "material_type", "keywords", "valid_from")
    cols = [target.c[c] for c in (*names, "valid_to", "state", "version", "created_by", "search_tsv")]
    with db.engine.begin() as conn:
        conn.execute(insert(target).from_select(cols, rows))
        conn.execute(text("DROP TABLE bench_kb_stage"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE province.kb_articles"))
    return made_from, time.perf_counter() - started


def stand_in_vectors(made_from: dict[str, str], seed: int = 12345) -> tuple[int, float]:
    """Vectors for the generated articles without hours of embedding: each is its demo article's
    real vector plus a little noise, renormalized, written with ``embedding.store`` like a job's.
    Matrix size and the visibility checks are what a real 50,000 would cost; the query's own
    embedding stays real. Returns (vectors written, seconds)."""
    import numpy as np
    from sqlalchemy import select

    from app.knowledge import embedding
    from app.knowledge.models import ProvinceArticle, ProvinceEmbedding
    from tenants import db

    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    a, e = ProvinceArticle, ProvinceEmbedding
    demo = {
        title: np.frombuffer(vec, "<f4")
        for title, vec in db.session.execute(select(a.title, e.vector).join(e, e.article_id == a.id))
    }
    rows = db.session.execute(select(a.id, a.version, a.title).where(a.created_by == "bench")).all()
    items = []
    for r in rows:
        base = demo.get(made_from[r.title])
        if base is None:
            continue
        vec = base + rng.normal(0, 0.02, embedding.DIM).astype(np.float32)
        items.append((r.id, r.version, vec / np.linalg.norm(vec)))
    for start in range(0, len(items), 2000):
        embedding.store(True, items[start : start + 2000])
    db.session.commit()
    return len(items), time.perf_counter() - started
