"""Keyword search: colloquial queries reach official wording; drafts, other cities' articles and
overridden province articles are never found; filters narrow."""

from __future__ import annotations

from app.knowledge import search, service
from tenants import db, tenant_context
from tests.knowledge.test_workflow import AGENT, CS, EDIT_CITY, EDIT_PROV, PS, clean, fields  # noqa: F401


def publish(principal, reviewer, province, **over):
    row = service.create(principal, province=province, **fields(**over))
    service.transition(principal, row.id, "submit", province=province)
    service.transition(reviewer, row.id, "publish", province=province)
    return row


def test_colloquial_query_finds_official_article_in_own_city_only(clean):  # noqa: F811
    with tenant_context("shijiazhuang"):
        publish(
            EDIT_CITY,
            CS,
            False,
            title="用人单位拖欠工资的投诉渠道",
            content="劳动者可向劳动保障监察机构投诉。",
        )
        publish(
            EDIT_PROV,
            PS,
            True,
            title="冬季供暖室温不达标怎么办",
            category_path="城乡建设/供暖供热/室温不达标",
            content="室温低于18度可向供热企业报修。",
            keywords=["供暖"],
            material_type="办事指南",
        )
        service.create(EDIT_CITY, province=False, **fields(title="草稿：拖欠工资"))
        db.session.commit()
        hits = search.keyword_search("老板不发工资")
        assert [h["title"] for h in hits][:1] == ["用人单位拖欠工资的投诉渠道"]
        assert "草稿：拖欠工资" not in [h["title"] for h in hits]
        assert search.keyword_search("家里暖气不热")[0]["title"] == "冬季供暖室温不达标怎么办"
        assert search.keyword_search("家里暖气不热", material_type="热点问答") == []
    with tenant_context("tangshan"):
        assert search.keyword_search("老板不发工资") == []
        assert [h["title"] for h in search.keyword_search("暖气不热")] == ["冬季供暖室温不达标怎么办"]
