"""Dense retrieval and fusion: the real model (loaded once per process), the same visibility as
keyword search (no draft, no other city's article, no overridden province article), reciprocal
rank fusion, and keyword search when this city has no embeddings."""

from __future__ import annotations

from app.knowledge import dense, embedding, service
from tenants import db, tenant_context
from tests.knowledge.test_search import publish
from tests.knowledge.test_workflow import CS, EDIT_CITY, EDIT_PROV, PS, clean, fields  # noqa: F401

HEATING = {
    "title": "冬季供暖室温不达标的处理",
    "category_path": "城乡建设/供暖供热/室温不达标",
    "content": "供暖期内居民室温低于18度的，可向供热企业报修，企业应上门检测并整改。",
    "keywords": ["供热"],
    "material_type": "办事指南",
}
WAGES = {
    "title": "用人单位拖欠劳动报酬的投诉渠道",
    "content": "劳动者被拖欠劳动报酬，可向劳动保障监察机构投诉。",
}
LEAK = {"title": "相邻房屋渗漏纠纷的处理", "content": "上层住户管道或防水层损坏造成渗漏的，由物业协调维修。"}


def embed_all(*slugs: str) -> int:
    """The synchronous helper: what the jobs would write, in this process."""
    db.session.commit()
    return embedding.backfill(slugs, province=True, echo=lambda _m: None)


def titles(hits) -> list[str]:
    return [h["title"] for h in hits]


def test_dense_finds_by_meaning_and_respects_visibility(clean):  # noqa: F811
    with tenant_context("shijiazhuang"):
        heating = publish(EDIT_PROV, PS, True, **fields(**HEATING))
        publish(EDIT_PROV, PS, True, **fields(**LEAK))
        publish(EDIT_CITY, CS, False, **fields(**WAGES))
        service.create(EDIT_CITY, province=False, **fields(title="草稿：暖气不热的报修", content="暖气不热"))
        local = fields(**HEATING | {"title": "石家庄供暖报修热线", "content": "室温不达标请拨打供热热线。"})
        publish(EDIT_CITY, CS, False, overrides_id=heating.id, **local)
        assert embed_all("shijiazhuang", "tangshan") == 5

        # the caller's words share no term with the article: dense still ranks it first
        hits = dense.dense_search("楼上卫生间往我家天花板滴水", limit=3)
        assert titles(hits)[0] == "相邻房屋渗漏纠纷的处理"
        hits = dense.dense_search("家里暖气一点都不热，冷得待不住", limit=10)
        assert titles(hits)[0] == "石家庄供暖报修热线"  # the override, never the province original
        assert "冬季供暖室温不达标的处理" not in titles(hits)
        assert "草稿：暖气不热的报修" not in titles(hits)
        assert dense.dense_search("家里暖气不热", material_type="法律法规") == []
    with tenant_context("tangshan"):
        hits = dense.dense_search("家里暖气一点都不热，冷得待不住", limit=10)
        assert titles(hits)[0] == "冬季供暖室温不达标的处理"  # no override here
        assert not {"石家庄供暖报修热线", "用人单位拖欠劳动报酬的投诉渠道", "草稿：暖气不热的报修"} & set(
            titles(hits)
        )
        assert len(hits) == 2  # the two province articles, nothing of Shijiazhuang's


def test_fusion_order():
    a, b, c, d = ({"id": n, "scope": "city", "title": t, "score": 0} for n, t in enumerate("abcd"))
    fused = dense.fuse([[a, b, c], [c, d, a]], limit=10)
    # a: 1/61 + 1/63, c: 1/63 + 1/61 (tie: a came first in the first list), b: 1/62, d: 1/62
    assert [h["title"] for h in fused] == ["a", "c", "b", "d"]
    assert fused[0]["score"] == round(1 / 61 + 1 / 63, 6)
    assert [h["title"] for h in dense.fuse([[a], []], limit=1)] == ["a"]
    # fused(): dense matches within the margin of the best are fused with the (lighter) keyword
    # list; a farther dense match only fills the room left, after the keyword-only ones
    near, far = a | {"score": 0.90}, d | {"score": 0.90 - dense.DENSE_MARGIN - 0.01}
    c2 = c | {"score": 0.895}
    got = dense.fused([b, c], [near, c2, far], limit=4)
    assert [h["title"] for h in got] == ["c", "a", "b", "d"] and got[-1]["score"] == 0.0


def test_fused_search_adds_what_keywords_miss_and_degrades_without_embeddings(clean):  # noqa: F811
    with tenant_context("shijiazhuang"):
        publish(EDIT_PROV, PS, True, **fields(**LEAK))
        publish(EDIT_CITY, CS, False, **fields(**WAGES))
        db.session.commit()
        query = "楼上卫生间往我家天花板滴水"
        # no embeddings yet: dense and fused answer as keyword search does
        assert dense.search(query, mode="dense")[1] == "keyword"
        hits, served = dense.search(query, mode="fused")
        assert served == "keyword" and hits == dense.search(query, mode="keyword")[0]
        embed_all("shijiazhuang")
        hits, served = dense.search(query, mode="fused", limit=5)
        assert served == "fused" and titles(hits)[0] == "相邻房屋渗漏纠纷的处理"
        assert titles(dense.fused_search("老板拖欠我工资", limit=1)) == ["用人单位拖欠劳动报酬的投诉渠道"]


def test_search_api_modes(client, auth_headers, clean):  # noqa: F811
    url = "/api/v1/tenants/shijiazhuang/kb/search"
    agent = auth_headers("agent@shijiazhuang")
    with tenant_context("shijiazhuang"):
        publish(EDIT_CITY, CS, False, **fields(**LEAK))
        db.session.commit()
    resp = client.get(url, query_string={"q": "天花板滴水", "mode": "dense"}, headers=agent)
    assert resp.status_code == 200 and resp.headers["X-Search-Mode"] == "keyword"
    with tenant_context("shijiazhuang"):
        embed_all("shijiazhuang")
    for mode in ("dense", "fused"):
        resp = client.get(url, query_string={"q": "楼上往我家天花板滴水", "mode": mode}, headers=agent)
        assert resp.status_code == 200 and resp.headers["X-Search-Mode"] == mode
        assert titles(resp.get_json()) == ["相邻房屋渗漏纠纷的处理"]
    assert client.get(url, query_string={"q": "滴水", "mode": "vector"}, headers=agent).status_code == 422
    for odd in ("\x00滴水", "😀" * 200, "   ", "' OR 1=1 --", "\u202e漏水"):
        resp = client.get(url, query_string={"q": odd}, headers=agent)
        assert resp.status_code in (200, 400, 422), (odd, resp.status_code)
    resp = client.get(url, query_string={"q": "楼上往我家天花板滴水"}, headers=auth_headers("agent@tangshan"))
    assert resp.status_code == 403
    tangshan = "/api/v1/tenants/tangshan/kb/search"
    resp = client.get(
        tangshan, query_string={"q": "楼上往我家天花板滴水"}, headers=auth_headers("agent@tangshan")
    )
    assert resp.status_code == 200 and resp.get_json() == []
    resp = client.get(
        "/api/v1/tenants/shijiazhuang/kb/suggest", query_string={"text": "楼上天花板一直滴水"}, headers=agent
    )
    assert resp.status_code == 200 and titles(resp.get_json())[:1] == ["相邻房屋渗漏纠纷的处理"]
