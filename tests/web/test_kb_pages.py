"""Knowledge pages over HTTP: editor -> reviewer -> readers, by role and by city; the province
base's editor and reviewer; version diffs; import errors on the page."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import text

from admin_portal.kb_diff import Row, side_by_side
from tenants import db
from tests.knowledge.test_io import as_csv, row
from tests.web.conftest import text_of

SJZ = "/desk/shijiazhuang"
FORM = {
    "title": "小区暖气不热找谁",
    "category_path": "城乡建设/供暖供热/室温不达标",
    "content": "供暖期室温低于18℃，可先联系供热企业报修。",
    "issuing_unit": "市城管局",
    "material_type": "热点问答",
    "keywords": "暖气，室温",
}


@pytest.fixture
def clean(app, two_tenants):
    """Empty knowledge tables after the test (no app context held open: pages need their own g)."""
    yield
    with app.app_context(), db.engine.begin() as conn:
        for schema in ("province", "t_shijiazhuang", "t_tangshan"):
            for table in ("kb_article_versions", "kb_articles", "kb_feedback"):
                if not (schema == "province" and table == "kb_feedback"):
                    conn.execute(text(f'DELETE FROM "{schema}".{table}'))


def _article_id(resp) -> int:
    return int(re.search(r"/kb/a/(?:city|province)/(\d+)", resp.headers["Location"]).group(1))


def test_editor_writes_reviewer_publishes_readers_find_it(web, clean):
    editor = web("kb_editor@shijiazhuang")
    assert editor.get(editor.landing).headers["Location"].endswith(f"{SJZ}/kb/manage")
    page = text_of(editor.get(f"{SJZ}/kb/manage"))
    assert "知识库" in page and "全部工单" not in page  # knowledge links only
    assert editor.get(f"{SJZ}/orders").status_code == 403
    assert editor.get(f"{SJZ}/intake").status_code == 403

    bad = editor.post(
        f"{SJZ}/kb/new", FORM | {"category_path": "城乡建设/供暖供热"}, token_from=f"{SJZ}/kb/new"
    )
    assert bad.status_code == 422 and "is-invalid" in text_of(bad)
    resp = editor.post(f"{SJZ}/kb/new", FORM, token_from=f"{SJZ}/kb/new")
    assert resp.status_code == 303, text_of(resp)
    art = _article_id(resp)
    page = text_of(editor.get(f"{SJZ}/kb/a/city/{art}"))
    assert "草稿" in page and "送审" in page

    edit = dict(FORM, content=FORM["content"] + "\n仍不达标可拨打12345。")
    assert editor.post(f"{SJZ}/kb/{art}/edit", edit, token_from=f"{SJZ}/kb/{art}/edit").status_code == 303
    versions = text_of(editor.get(f"{SJZ}/kb/{art}/versions"))
    assert (
        re.search(r'class="add"><b aria-hidden="true">\+</b> 仍不达标可拨打12345。', versions)
        and "版本 2" in versions
    )
    split = text_of(editor.get(f"{SJZ}/kb/{art}/versions", query_string={"view": "split"}))
    rows = re.findall(
        r'<tr class="(\w+)"><td class="no">(\d*)</td><td class="before">(.*?)</td>\s*'
        r'<td class="no">(\d*)</td><td class="after">(.*?)</td></tr>',
        split,
    )
    assert ("same", "1", FORM["content"], "1", FORM["content"]) in rows
    assert ("add", "", "", "2", "仍不达标可拨打12345。") in rows  # the new line faces a gap

    agent = web("agent@shijiazhuang")
    assert agent.get(f"{SJZ}/kb/a/city/{art}").status_code == 404  # a draft: not for readers
    assert (
        editor.post(
            f"{SJZ}/kb/{art}/act", {"action": "submit"}, token_from=f"{SJZ}/kb/a/city/{art}"
        ).status_code
        == 303
    )
    # the editor may not publish; the city supervisor reviews
    assert (
        editor.post(
            f"{SJZ}/kb/{art}/act", {"action": "publish"}, token_from=f"{SJZ}/kb/a/city/{art}"
        ).status_code
        == 403
    )
    supervisor = web("city_supervisor@shijiazhuang")
    queue = text_of(supervisor.get(f"{SJZ}/kb/review"))
    assert FORM["title"] in queue
    rejected = supervisor.post(
        f"{SJZ}/kb/{art}/act", {"action": "reject"}, token_from=f"{SJZ}/kb/a/city/{art}"
    )
    assert rejected.status_code == 303 and "待审核" in text_of(supervisor.get(f"{SJZ}/kb/a/city/{art}"))
    resp = supervisor.post(f"{SJZ}/kb/{art}/act", {"action": "publish"}, token_from=f"{SJZ}/kb/a/city/{art}")
    assert resp.status_code == 303

    found = text_of(agent.get(f"{SJZ}/kb", query_string={"q": "暖气不热"}))
    assert FORM["title"] in found
    assert "仍不达标可拨打12345" in text_of(agent.get(f"{SJZ}/kb/a/city/{art}"))
    marked = agent.post(
        f"{SJZ}/kb/feedback", {"scope": "city", "article_id": art, "helped": "true"}, token_from=f"{SJZ}/kb"
    )
    assert marked.status_code == 200 and "有帮助" in text_of(marked)
    handler = web("handler.zjj@shijiazhuang")
    assert FORM["title"] in text_of(handler.get("/dept/shijiazhuang/kb", query_string={"q": "暖气不热"}))
    assert handler.get(f"{SJZ}/kb").status_code == 403  # the desk is not the department's area

    # another city: neither its search nor the article's URL show it
    other = web("agent@tangshan")
    assert FORM["title"] not in text_of(other.get("/desk/tangshan/kb", query_string={"q": "暖气不热"}))
    assert other.get(f"/desk/tangshan/kb/a/city/{art}").status_code == 404
    assert other.get(f"{SJZ}/kb/a/city/{art}").status_code == 403
    assert web("kb_editor@tangshan").get(f"{SJZ}/kb/manage").status_code == 403


def test_province_base_editor_and_reviewer(web, clean):
    editor = web("province.kb_editor")
    assert editor.landing == "/province/"
    assert editor.get("/province/").headers["Location"].endswith("/province/kb/manage")
    assert editor.get("/province/supervision").status_code == 403
    assert "省级督办" not in text_of(editor.get("/province/kb/manage"))
    resp = editor.post(
        "/province/kb/new", FORM | {"title": "全省供暖室温标准"}, token_from="/province/kb/new"
    )
    assert resp.status_code == 303, text_of(resp)
    art = _article_id(resp)
    editor.post(f"/province/kb/{art}/act", {"action": "submit"}, token_from="/province/kb/manage")
    reviewer = web("province.supervisor")
    assert "全省供暖室温标准" in text_of(reviewer.get("/province/kb/review"))
    reviewer.post(f"/province/kb/{art}/act", {"action": "publish"}, token_from="/province/kb/review")
    agent = web("agent@tangshan")
    assert "全省供暖室温标准" in text_of(agent.get("/desk/tangshan/kb", query_string={"q": "供暖室温"}))
    assert agent.get(f"/desk/tangshan/kb/a/province/{art}").status_code == 200
    # a city editor may not write the province base, nor work in the provincial portal
    city_editor = web("kb_editor@shijiazhuang")
    assert city_editor.get("/province/kb/manage").status_code == 403
    assert "本市" in text_of(city_editor.get(f"{SJZ}/kb/a/province/{art}"))  # may write a local version


def test_import_page_lists_bad_rows_and_imports_nothing(web, clean):
    editor = web("kb_editor@shijiazhuang")
    rows = [row(i) for i in range(20)]
    rows[4]["素材类型"] = "小道消息"
    token = editor.csrf(f"{SJZ}/kb/io")
    resp = editor.client.post(
        f"{SJZ}/kb/import",
        data={"csrf_token": token, "file": (io.BytesIO(as_csv(rows)), "知识.csv")},
        content_type="multipart/form-data",
    )
    page = text_of(resp)
    assert resp.status_code == 422 and 'data-testid="kb-import-errors"' in page
    assert "<td>6</td><td>素材类型</td>" in page
    assert "此列表中没有知识。" in text_of(editor.get(f"{SJZ}/kb/manage"))  # nothing imported
    rows[4] = row(4)
    resp = editor.client.post(
        f"{SJZ}/kb/import",
        data={"csrf_token": token, "file": (io.BytesIO(as_csv(rows)), "知识.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200 and "20" in text_of(resp)
    export = editor.get(f"{SJZ}/kb/export", query_string={"category": "劳动权益", "format": "csv"})
    assert export.status_code == 200 and export.get_data().decode("utf-8-sig").count("\n") == 1 + 7


def test_intake_suggestions_helped_mark_and_a_cited_direct_closure(web, clean, orders_api):
    from tests.web.test_desk import _intake_form

    editor, supervisor = web("kb_editor@shijiazhuang"), web("city_supervisor@shijiazhuang")
    resp = editor.post(
        f"{SJZ}/kb/new",
        FORM
        | {"title": "施工噪音扰民的处理"}
        | {
            "category_path": "生态环境/噪声污染/施工噪声",
            "content": "夜间施工须取得许可，可向生态环境局投诉。",
            "keywords": "施工，噪音",
        },
        token_from=f"{SJZ}/kb/new",
    )
    art = _article_id(resp)
    editor.post(f"{SJZ}/kb/{art}/act", {"action": "submit"}, token_from=f"{SJZ}/kb/manage")
    supervisor.post(f"{SJZ}/kb/{art}/act", {"action": "publish"}, token_from=f"{SJZ}/kb/review")

    agent = web("agent@shijiazhuang")
    panel = agent.post(
        f"{SJZ}/intake/kb-suggest", {"content": "工地晚上施工噪音太大"}, token_from=f"{SJZ}/intake"
    )
    assert panel.status_code == 200 and "施工噪音扰民的处理" in text_of(panel)
    assert f'value="city:{art}"' in text_of(panel)
    empty = agent.post(f"{SJZ}/intake/kb-suggest", {"content": ""}, token_from=f"{SJZ}/intake")
    assert "输入诉求内容后" in text_of(empty)
    other = web("agent@tangshan")  # another city's desk never suggests it
    assert "施工噪音扰民的处理" not in text_of(
        other.post(
            "/desk/tangshan/intake/kb-suggest",
            {"content": "工地晚上施工噪音太大"},
            token_from="/desk/tangshan/intake",
        )
    )
    assert (
        web("kb_editor@shijiazhuang")
        .post(f"{SJZ}/intake/kb-suggest", {"content": "施工"}, token_from=f"{SJZ}/kb")
        .status_code
        == 403
    )

    form = _intake_form(
        appeal_type="consultation",
        action="close",
        resolution="已告知夜间施工须取得许可。",
        kb_cite=f"city:{art}",
    )
    resp = agent.post(f"{SJZ}/intake", form, token_from=f"{SJZ}/intake")
    assert resp.status_code == 303, text_of(resp)
    order_page = text_of(agent.get(resp.headers["Location"]))
    assert 'data-testid="kb-cited"' in order_page and "施工噪音扰民的处理" in order_page
    bad = agent.post(
        f"{SJZ}/intake",
        form | {"kb_cite": "city:99999999", "idempotency_key": "web-x-1"},
        token_from=f"{SJZ}/intake",
    )
    assert bad.status_code == 422  # not an article of this city: the order is not saved either


def test_validity_pages_department_city_and_province(app, web, clean):
    """The department sees its own articles that run out or ran out; the city's and the
    province's reports count them per issuing unit and per city."""
    from datetime import date, timedelta

    from app.knowledge import validity
    from tenants import tenant_context
    from tests.knowledge.test_search import publish
    from tests.knowledge.test_workflow import CS, EDIT_CITY

    today = date.today()
    unit = "石家庄市住房和城乡建设局"
    with app.app_context(), tenant_context("shijiazhuang"):
        publish(
            EDIT_CITY,
            CS,
            False,
            title="加装电梯补助申请",
            issuing_unit=unit,
            valid_to=today + timedelta(days=3),
        )
        publish(
            EDIT_CITY,
            CS,
            False,
            title="旧的物业收费通知",
            issuing_unit=unit,
            valid_to=today - timedelta(days=2),
        )
        publish(
            EDIT_CITY,
            CS,
            False,
            title="长期有效的指南",
            issuing_unit=unit,
            valid_to=today + timedelta(days=300),
        )
        publish(EDIT_CITY, CS, False, title="教育局的通知", issuing_unit="石家庄市教育局", valid_to=today)
        db.session.commit()
        validity.expire_due(validity.CityArticle, today)
        db.session.commit()

    handler = web("handler.zjj@shijiazhuang")
    page = text_of(handler.get("/dept/shijiazhuang/kb/validity"))
    assert "加装电梯补助申请" in page and "旧的物业收费通知" in page, page
    assert "长期有效的指南" not in page and "教育局的通知" not in page
    assert "已过期" in page and unit in page
    other = text_of(web("handler.cgj@shijiazhuang").get("/dept/shijiazhuang/kb/validity"))
    assert "加装电梯补助申请" not in other

    city = text_of(web("city_supervisor@shijiazhuang").get(f"{SJZ}/kb/report"))
    assert unit in city and "石家庄市教育局" in city
    manage = text_of(web("kb_editor@shijiazhuang").get(f"{SJZ}/kb/manage"))
    assert "14 天内到期的已发布知识：2 条" in manage  # 加装电梯 and 教育局's: the editors' reminder
    assert web("agent@shijiazhuang").get(f"{SJZ}/kb/report").status_code == 403

    province = web("province.supervisor").get("/province/kb/report")
    assert province.status_code == 200
    cities = re.search(
        r'data-testid="kb-stale-cities".*?</table>', province.get_data(as_text=True), re.S
    ).group(0)
    row_of_sjz = re.search(r"<tr><td>石家庄市</td>(.*?)</tr>", cities, re.S).group(1)
    assert re.findall(r">(\d+)<", row_of_sjz) == [
        "3",
        "2",
        "1",
    ]  # published, expiring (within 14 days), expired


def test_province_portal_searches_the_province_base_alone(app, web, clean):
    """The province portal's knowledge search finds the shared base's articles, never a city's."""
    from tenants import tenant_context
    from tests.knowledge.test_search import publish
    from tests.knowledge.test_workflow import CS, EDIT_CITY, EDIT_PROV, PS

    with app.app_context(), tenant_context("shijiazhuang"):
        publish(
            EDIT_PROV, PS, True, title="全省集中供暖室温标准", content="供暖期间卧室、起居室温度不低于18℃。"
        )
        publish(
            EDIT_CITY, CS, False, title="石家庄供暖室温投诉渠道", content="室温不达标可向市城管局供热办投诉。"
        )
        db.session.commit()
    for account in ("province.supervisor", "province.kb_editor"):
        page = text_of(web(account).get("/province/kb", query_string={"q": "暖气不热 室温"}))
        assert "全省集中供暖室温标准" in page, (account, page)
        assert "石家庄供暖室温投诉渠道" not in page and "本市" not in page
    latest = text_of(web("province.supervisor").get("/province/kb"))
    assert "全省集中供暖室温标准" in latest and "石家庄供暖室温投诉渠道" not in latest
    assert "知识检索" in text_of(web("province.kb_editor").get("/province/kb/manage"))  # in the navigation


def test_side_by_side_aligns_changes_and_gaps():
    rows = side_by_side("甲\n乙\n丙", "甲\n乙二\n丙\n丁")
    assert rows == [
        Row("same", 1, "甲", 1, "甲"),
        Row("change", 2, "乙", 2, "乙二"),
        Row("same", 3, "丙", 3, "丙"),
        Row("add", None, None, 4, "丁"),
    ]
    assert side_by_side("", "新") == [Row("add", None, None, 1, "新")]
    assert side_by_side("旧\n留", "留") == [Row("del", 1, "旧", None, None), Row("same", 2, "留", 1, "留")]
