"""The knowledge base in the browser (issue 12): an editor writes an article, a reviewer
publishes it, an agent finds it in the desk's search and in the intake form's suggestion panel
and cites it on a direct closure; another city's pages never show a city's articles."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.test_kb_pages import clean  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow
TITLE = "夜间施工噪音扰民怎么处理"
CONTENT = (
    "一、夜间（22时至次日6时）在噪声敏感建筑物集中区域施工，须取得生态环境部门的夜间施工许可，"
    "并公告附近居民。\n二、未取得许可夜间施工的，可向区生态环境分局投诉，或由12345转办。\n"
    "三、因抢修、抢险作业夜间施工的除外。"
)


def test_editor_reviewer_and_agent_journey_with_a_cited_direct_closure(user, clean):  # noqa: F811
    # the city's knowledge editor writes an article, corrects it and sends it for review
    editor = user("kb_editor@shijiazhuang")
    page = editor.page
    expect(page.locator("h1")).to_have_text("知识维护")
    expect(page.locator("#sidebar")).not_to_contain_text("全部工单")  # knowledge links only
    page.get_by_test_id("kb-new").click()
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("知识分类（末级）").select_option("生态环境/噪声污染/施工噪声")
    page.get_by_label("素材类型").select_option("热点问答")
    page.get_by_label("发布单位").fill("市生态环境局")
    page.get_by_label("关键词").fill("夜间施工，施工噪音，扰民")
    page.get_by_label("内容（话务员答复口径）").fill(CONTENT.split("\n三")[0])
    editor.shot("kb-editor-new")
    page.get_by_test_id("kb-save").click()
    expect(page.get_by_test_id("kb-title")).to_have_text(TITLE)
    expect(page.locator(".page-title [data-state]")).to_have_text("草稿")
    page.get_by_test_id("kb-edit").click()
    page.get_by_label("内容（话务员答复口径）").fill(CONTENT)
    page.get_by_test_id("kb-save").click()
    page.get_by_test_id("kb-versions").click()
    expect(page.get_by_test_id("kb-diff").first).to_contain_text("三、因抢修、抢险作业夜间施工的除外。")
    editor.shot("kb-versions-diff")
    page.get_by_test_id("kb-diff-split").click()
    expect(page.get_by_test_id("kb-diff-table").first.locator("tr.add .after")).to_contain_text("三、因抢修")
    editor.shot("kb-versions-side-by-side")
    page.go_back()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_test_id("kb-submit").click()
    expect(page.locator(".page-title [data-state]")).to_have_text("待审核")
    editor.shot("kb-article-in-review")
    article_url = page.url.removeprefix(editor.site)
    editor.sign_out()

    # the city supervisor reviews it from the queue and publishes it
    reviewer = user("city_supervisor@shijiazhuang")
    page = reviewer.page
    page.get_by_role("link", name="审核队列").click()
    expect(page.get_by_test_id("kb-table")).to_contain_text(TITLE)
    reviewer.shot("kb-review-queue")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_test_id("kb-publish").click()
    expect(page.get_by_test_id("kb-table").or_(page.locator(".empty-state"))).to_be_visible()
    reviewer.sign_out()

    # an agent finds it by the caller's words, then answers a call from the suggestion panel
    agent = user("agent@shijiazhuang")
    page = agent.page
    page.get_by_role("link", name="知识检索").click()
    page.get_by_test_id("kb-q").fill("晚上工地施工太吵了")
    page.get_by_test_id("kb-search").click()
    expect(page.get_by_test_id("kb-results")).to_contain_text(TITLE)
    agent.shot("kb-search-results")
    page.get_by_test_id("kb-results").get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("kb-content")).to_contain_text("夜间施工许可")
    agent.shot("kb-article")

    page.get_by_role("link", name="新建工单").first.click()
    page.get_by_label("诉求类型").select_option("consultation")
    page.locator("#category_code").select_option("0105")
    page.get_by_label("诉求内容").press_sequentially("楼下工地晚上十一点还在施工，噪音很大", delay=20)
    panel = page.get_by_test_id("kb-panel")
    expect(panel.get_by_test_id("kb-suggestion").first).to_contain_text(TITLE)
    panel.get_by_test_id("kb-helped").first.click()
    expect(panel.get_by_test_id("kb-marked").first).to_have_text("已标记：有帮助")
    panel.get_by_test_id("kb-cite").first.check()
    page.locator("#resolution").fill("已告知夜间施工须取得许可，无许可可向区生态环境分局投诉。")
    agent.shot("desk-intake-kb-suggestions")
    page.get_by_test_id("direct-close").click()
    expect(page.locator(".page-title .status-tag")).to_have_text("已办结")
    expect(page.get_by_test_id("timeline")).to_contain_text(re.compile("答复引用知识：\\s*" + TITLE))
    agent.shot("desk-order-cited-article")
    page.get_by_test_id("kb-cited").click()
    expect(page.get_by_test_id("kb-title")).to_have_text(TITLE)
    assert agent.errors == []

    # the city supervisor sees the use in the usage report
    reviewer = user("city_supervisor@shijiazhuang")
    reviewer.page.get_by_role("link", name="使用与有效期").click()
    expect(reviewer.page.get_by_test_id("kb-usage")).to_contain_text(TITLE)
    reviewer.shot("kb-usage-report")

    # another city: not in its search, not in its suggestions, not at the article's address
    other = user("agent@tangshan")
    page = other.page
    other.goto("/desk/tangshan/kb?q=" + "晚上工地施工太吵了")
    expect(page.locator(".empty-state")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(TITLE)
    other.shot("kb-other-city-search")
    other.goto("/desk/tangshan/intake")
    page.get_by_label("诉求内容").press_sequentially("楼下工地晚上施工噪音很大", delay=10)
    expect(page.get_by_test_id("kb-panel")).to_contain_text("暂无匹配的知识")
    other.goto(article_url.replace("/shijiazhuang/", "/tangshan/"))
    expect(page.locator(".error-page")).to_have_attribute("data-status", "404")
    other.goto(article_url)
    expect(page.locator(".error-page")).to_have_attribute("data-status", "403")
    assert other.errors == []


def test_a_citys_draft_is_invisible_to_another_citys_editor(user, clean):  # noqa: F811
    editor = user("kb_editor@shijiazhuang")
    page = editor.page
    page.get_by_test_id("kb-new").click()
    page.get_by_label("标题").fill("石家庄本地草稿")
    page.get_by_label("知识分类（末级）").select_option("公用事业/供水/停水报修")
    page.get_by_label("发布单位").fill("市水务局")
    page.get_by_label("内容（话务员答复口径）").fill("停水报修请拨打供水热线。")
    page.get_by_test_id("kb-save").click()
    draft_url = page.url.removeprefix(editor.site)
    assert re.search(r"/kb/a/city/\d+$", draft_url)

    other = user("kb_editor@tangshan")
    page = other.page
    expect(page.locator("h1")).to_have_text("知识维护")
    expect(page.locator("main")).not_to_contain_text("石家庄本地草稿")
    other.goto(draft_url.replace("/shijiazhuang/", "/tangshan/"))
    expect(page.locator(".error-page")).to_have_attribute("data-status", "404")
    other.goto("/desk/tangshan/kb/io")
    expect(page.locator("h1")).to_have_text("导入导出")
    other.shot("kb-import-export")


def test_province_article_with_a_local_version_in_one_city_only(user, clean):  # noqa: F811
    title = "城镇职工退休手续办理"
    editor = user("province.kb_editor")
    page = editor.page
    expect(page.locator("h1")).to_have_text("知识维护")
    expect(page.locator("#sidebar")).not_to_contain_text("省级数据看板")
    page.get_by_test_id("kb-new").click()
    page.get_by_label("标题").fill(title)
    page.get_by_label("知识分类（末级）").select_option("社会保障/养老保险/退休办理")
    page.get_by_label("素材类型").select_option("办事指南")
    page.get_by_label("发布单位").fill("省人社厅")
    page.get_by_label("关键词").fill("退休，养老金")
    page.get_by_label("内容（话务员答复口径）").fill("达到法定退休年龄前一个月，由单位向社保经办机构申报。")
    page.get_by_test_id("kb-save").click()
    page.get_by_test_id("kb-submit").click()
    editor.shot("kb-province-article")
    editor.sign_out()

    reviewer = user("province.supervisor")
    page = reviewer.page
    page.get_by_role("link", name="审核队列").click()
    page.get_by_role("link", name=title).click()
    page.get_by_test_id("kb-publish").click()
    reviewer.sign_out()

    # Shijiazhuang writes its own version; once published it replaces the province one there
    city = user("kb_editor@shijiazhuang")
    page = city.page
    page.get_by_role("link", name="知识检索").click()
    page.get_by_test_id("kb-q").fill("办退休")
    page.get_by_test_id("kb-search").click()
    page.get_by_test_id("kb-results").get_by_role("link", name=title).click()
    page.get_by_role("link", name="编写本市版本").click()
    expect(page.get_by_label("标题")).to_have_value(title + "（本市）")
    page.get_by_label("内容（话务员答复口径）").fill(
        "石家庄：可在“冀时办”App上申报，或到市社保中心窗口办理。"
    )
    page.get_by_test_id("kb-save").click()
    page.get_by_test_id("kb-submit").click()
    city.sign_out()
    supervisor = user("city_supervisor@shijiazhuang")
    page = supervisor.page
    page.get_by_role("link", name="审核队列").click()
    page.get_by_role("link", name=title + "（本市）").click()
    page.get_by_test_id("kb-publish").click()
    supervisor.sign_out()

    agent = user("agent@shijiazhuang")
    agent.goto("/desk/shijiazhuang/kb?q=办退休")
    results = agent.page.get_by_test_id("kb-results")
    expect(results).to_contain_text(title + "（本市）")
    expect(results.get_by_role("link", name=title, exact=True)).to_have_count(0)
    agent.shot("kb-city-override")
    other = user("agent@tangshan")
    other.goto("/desk/tangshan/kb?q=办退休")
    expect(
        other.page.get_by_test_id("kb-results").get_by_role("link", name=title, exact=True)
    ).to_be_visible()
    expect(other.page.get_by_test_id("kb-results")).not_to_contain_text("（本市）")
    assert agent.errors == [] and other.errors == []


def test_a_department_editor_writes_as_its_department_and_its_handlers_see_expiry(app, user, clean):  # noqa: F811
    """kb_editor.zjj writes as 住建局 (the form fills the unit in); once the article is published
    and about to run out, the 住建局 handlers' validity page lists it, other departments' not."""
    from datetime import date, timedelta

    from app.knowledge import service
    from tenants import db, tenant_context
    from tests.knowledge.test_workflow import CS, EDIT_CITY

    editor = user("kb_editor.zjj@shijiazhuang")
    page = editor.page
    page.get_by_test_id("kb-new").click()
    expect(page.get_by_label("发布单位")).to_have_value("石家庄市住房和城乡建设局")
    page.get_by_label("标题").fill("老旧小区加装电梯补助申请")
    page.get_by_label("知识分类（末级）").select_option("城乡建设/物业管理/物业服务")
    page.locator("#kb-to").fill((date.today() + timedelta(days=5)).isoformat())
    page.get_by_label("内容（话务员答复口径）").fill("加装电梯补助向区住建部门申请，需业主同意书。")
    page.get_by_test_id("kb-save").click()
    expect(page.get_by_test_id("kb-title")).to_have_text("老旧小区加装电梯补助申请")
    article = int(re.search(r"/kb/a/city/(\d+)$", page.url).group(1))
    with app.app_context(), tenant_context("shijiazhuang"):
        service.transition(EDIT_CITY, article, "submit", province=False)
        service.transition(CS, article, "publish", province=False)
        db.session.commit()

    handler = user("handler.zjj@shijiazhuang")
    page = handler.page
    page.locator("#sidebar").get_by_role("link", name="有效期").click()
    expect(page.locator("h1")).to_have_text("本单位知识有效期")
    expect(page.get_by_test_id("dept-kb-validity")).to_contain_text("老旧小区加装电梯补助申请")
    handler.shot("dept-kb-validity")
    other = user("handler.cgj@shijiazhuang")
    other.goto("/dept/shijiazhuang/kb/validity")
    expect(other.page.locator("main")).not_to_contain_text("老旧小区加装电梯补助申请")
