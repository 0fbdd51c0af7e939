"""The journeys of each role, in the browser, from sign-in to sign-out (issue: web part 1).

Each journey signs in through the IdP's login form, works only through the pages, and
saves screenshots of the main pages under test-artifacts/e2e/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.orders.conftest import OrdersApi

pytestmark = pytest.mark.slow
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def api(client, auth_headers, two_tenants):
    return OrdersApi(client, auth_headers)


def _action(page, name: str):
    """The form of one action on the order page (opened)."""
    box = page.locator(f'details[data-action="{name}"]')
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


def _order_id(page) -> int:
    return int(re.search(r"/orders/(\d+)", page.url).group(1))


def _expect_status(page, label: str):
    expect(page.locator(".page-title .status-tag")).to_have_text(label)


def test_agent_intake_with_a_repeat_warning_and_a_direct_closure(user, api):
    earlier = api.create(caller={"name": "孙女士", "phone": "13855556666", "language": "zh", "needs": []})
    agent = user("agent@shijiazhuang")
    page = agent.page
    expect(page.locator("h1")).to_have_text("全部工单")
    agent.shot("desk-orders")
    page.get_by_role("link", name="新建工单").first.click()
    page.get_by_label("诉求类型").select_option("complaint")
    page.get_by_label("搜索分类").fill("施工扰民")
    page.locator('#category-results [data-code="0105"]').click()
    expect(page.locator("#category_code")).to_have_value("0105")
    page.get_by_label("诉求内容").fill("小区东侧工地凌晨仍在施工，噪音很大，希望尽快处理。")
    page.locator("#caller-name").fill("孙女士")
    page.locator("#caller-phone").fill("13855556666")
    page.locator("#caller-phone").press("Tab")
    warning = page.get_by_test_id("repeat-warning")
    expect(warning).to_contain_text(earlier["number"])
    expect(warning).to_contain_text("同一来电人")
    agent.shot("desk-intake-repeat-warning")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("order-number")).to_have_text(re.compile(r"SJZ-\d{8}-\d{6}"))
    _expect_status(page, "已受理")
    expect(page.get_by_test_id("facts")).to_contain_text(earlier["number"])  # flagged as a repeat
    agent.shot("desk-order")
    saved = api.get(_order_id(page)).get_json()
    assert saved["repeat_of_id"] == earlier["id"] and saved["category_code"] == "0105"

    # a consultation answered on the call: direct closure (直接办结)
    page.get_by_role("link", name="新建工单").first.click()
    page.get_by_label("诉求类型").select_option("consultation")
    page.locator("#category_code").select_option("0105")
    page.get_by_label("诉求内容").fill("咨询夜间施工许可的办理部门。")
    page.locator("#resolution").fill("已告知向区住建局申请夜间施工许可。")
    page.get_by_test_id("direct-close").click()
    _expect_status(page, "已办结")
    expect(page.locator(".page-title")).to_contain_text("直接办结")
    closed = api.get(_order_id(page)).get_json()
    assert closed["direct_closure"] is True and closed["status"] == "closed"
    agent.sign_out()
    expect(agent.page.get_by_test_id("signin")).to_be_visible()
    assert agent.errors == []


def test_lifecycle_dispatch_sign_for_assist_reply_close_callback_reopen(user, api):
    o = api.create(title="夜间施工噪音扰民", category_code="0105")

    # dispatcher: dispatch with the suggested lead pre-filled and an assisting department
    dispatcher = user("dispatcher@shijiazhuang")
    page = dispatcher.page
    page.get_by_role("link", name="待派单").first.click()
    page.locator(f'tr[data-order="{o["number"]}"] a').first.click()
    form = _action(page, "dispatch")
    expect(form.locator("#dispatch-lead")).to_have_value("zjj")  # from the dispatch rules
    expect(form.locator("#assist-cgj")).to_be_checked()
    form.locator("#assist-sthjj").check()
    form.locator("textarea[name=note]").fill("请住建局牵头，城管、环保配合。")
    dispatcher.shot("desk-dispatch-form")
    form.get_by_test_id("do-dispatch").click()
    _expect_status(page, "待签收")
    expect(page.get_by_test_id("assignments")).to_contain_text("市生态环境局")
    dispatcher.sign_out()

    # lead department: signs for, which starts handling (办理中)
    lead = user("handler.zjj@shijiazhuang")
    page = lead.page
    expect(page.locator(f'tr[data-order="{o["number"]}"]')).to_be_visible()  # the to-sign list
    lead.shot("dept-inbox")
    page.locator(f'tr[data-order="{o["number"]}"] a').first.click()
    _action(page, "accept").get_by_test_id("do-accept").click()
    _expect_status(page, "办理中")
    lead.sign_out()

    # assisting department: signs for its share and replies to the lead
    assist = user("handler.cgj@shijiazhuang")
    page = assist.page
    page.locator(f'tr[data-order="{o["number"]}"] a').first.click()
    _action(page, "accept").get_by_test_id("do-accept").click()
    form = _action(page, "assist-reply")
    form.locator("textarea[name=content]").fill("城管已安排夜间巡查，发现施工将依法处罚。")
    form.get_by_test_id("do-assist-reply").click()
    expect(page.get_by_test_id("assignments")).to_contain_text("城管已安排夜间巡查")
    assist.sign_out()

    # lead department: replies with the outcome and an attachment
    lead = user("handler.zjj@shijiazhuang")
    page = lead.page
    page.get_by_role("link", name="办理中").first.click()
    page.locator(f'tr[data-order="{o["number"]}"] a').first.click()
    expect(page.get_by_test_id("assignments")).to_contain_text("城管已安排夜间巡查")  # the lead sees it
    form = _action(page, "reply")
    form.locator("textarea[name=content]").fill("已责令施工单位夜间停工，并处以罚款。")
    form.locator("select[name=outcome]").select_option("resolved")
    form.locator("input[type=file]").set_input_files(
        [{"name": "整改通知书.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    lead.shot("dept-reply-form")
    form.get_by_test_id("do-reply").click()
    _expect_status(page, "已答复")
    expect(page.get_by_test_id("attachments")).to_contain_text("整改通知书.pdf")
    lead.shot("dept-order-replied")
    lead.sign_out()

    # dispatcher: review the reply and close
    dispatcher = user("dispatcher@shijiazhuang")
    page = dispatcher.page
    page.get_by_role("link", name="待审核答复").click()
    page.locator(f'tr[data-order="{o["number"]}"] a').first.click()
    form = _action(page, "close")
    form.locator("textarea[name=resolution]").fill("承办单位已处理，答复属实。")
    form.get_by_test_id("do-close").click()
    _expect_status(page, "已办结")
    dispatcher.sign_out()

    # agent: callback, dissatisfied and not solved
    agent = user("agent@shijiazhuang")
    page = agent.page
    page.get_by_role("link", name="待回访").click()
    page.locator(f'tr[data-order="{o["number"]}"] a').first.click()
    form = _action(page, "callback")
    form.get_by_label("不满意").check()
    form.locator("#resolved-no").check()
    form.locator("textarea[name=note]").fill("市民反映仍有夜间施工。")
    agent.shot("desk-callback-form")
    form.get_by_test_id("do-callback").click()
    expect(page.get_by_test_id("facts")).to_contain_text("不满意")
    agent.sign_out()

    # dispatcher: the dissatisfied callback is reopened (重办)
    dispatcher = user("dispatcher@shijiazhuang")
    page = dispatcher.page
    page.get_by_role("link", name="回访不满意").click()
    page.locator(f'tr[data-order="{o["number"]}"] a').first.click()
    form = _action(page, "reopen")
    form.locator("textarea[name=reason]").fill("回访不满意，问题未解决。")
    form.get_by_test_id("do-reopen").click()
    _expect_status(page, "重办")
    timeline = page.get_by_test_id("timeline")
    for step in ("受理", "派单", "签收", "协办答复", "答复", "办结", "回访", "重办"):
        expect(timeline).to_contain_text(step)
    dispatcher.shot("desk-order-timeline")
    dispatcher.sign_out()
    final = api.get(o["id"]).get_json()
    assert final["status"] == "reopened" and final["satisfaction"] == "dissatisfied"
    for s in (dispatcher, assist, lead, agent):
        assert s.errors == [], s.errors


def test_extension_request_and_approval(user, api):
    o = api.create()
    o = api.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
    o = api.ok(o["id"], "accept", "handler.zjj")
    lead = user("handler.zjj@shijiazhuang")
    page = lead.page
    lead.goto(f"/dept/shijiazhuang/orders/{o['id']}")
    form = _action(page, "request-extension")
    form.locator("input[name=working_days]").fill("3")
    form.locator("textarea[name=reason]").fill("需协调多个部门现场勘查。")
    form.get_by_test_id("do-request-extension").click()
    expect(page.locator(".page-title")).to_contain_text("已申请延期")
    lead.sign_out()

    dispatcher = user("dispatcher@shijiazhuang")
    page = dispatcher.page
    page.get_by_role("link", name="延期申请").click()
    page.locator(f'tr[data-order="{o["number"]}"] a').first.click()
    expect(page.get_by_test_id("extensions")).to_contain_text("需协调多个部门现场勘查")
    form = _action(page, "approve-extension")
    form.locator("textarea[name=note]").fill("同意延期3个工作日。")
    form.get_by_test_id("do-approve-extension").click()
    expect(page.get_by_test_id("extensions")).to_contain_text("已同意")
    dispatcher.shot("desk-extension-approved")
    dispatcher.sign_out()
    after = api.get(o["id"]).get_json()
    assert after["extension_pending"] is False and after["due_at"] > o["due_at"]


def test_new_order_appears_in_the_inbox_without_a_reload(user, api):
    lead = user("handler.sthjj@shijiazhuang")
    page = lead.page
    expect(page.get_by_test_id("order-table")).to_be_visible()
    page.evaluate("window.__notReloaded = true")
    o = api.create(title="河道异味排查")
    api.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "sthjj"})
    expect(page.locator(f'tr[data-order="{o["number"]}"]')).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("alert-to-sign")).to_be_visible(timeout=15_000)
    assert page.evaluate("window.__notReloaded") is True  # htmx swapped it in, no navigation
    lead.shot("dept-inbox-live")
