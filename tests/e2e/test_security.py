"""Isolation seen in the browser: other departments, other cities, confidential callers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.orders.conftest import OrdersApi

pytestmark = pytest.mark.slow


@pytest.fixture
def api(client, auth_headers, two_tenants):
    return OrdersApi(client, auth_headers)


def test_handler_sees_neither_other_departments_nor_other_cities_nor_confidential_callers(user, api):
    secret = api.create(
        confidential=True, caller={"name": "周保密", "phone": "13966667777", "language": "zh", "needs": []}
    )
    api.ok(secret["id"], "dispatch", "dispatcher", {"lead_department": "rsj"})
    other_dept = api.create()
    api.ok(other_dept["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
    other_city = api.create(tenant="tangshan")

    handler = user("handler.rsj@shijiazhuang")
    page = handler.goto(f"/dept/shijiazhuang/orders/{secret['id']}")
    expect(page.get_by_test_id("caller-hidden")).to_be_visible()
    html = page.content()
    assert "周保密" not in html and "13966667777" not in html and not re.search(r"1[3-9]\d{9}", html)
    handler.shot("dept-order-confidential")

    response = page.goto(handler.site + f"/dept/shijiazhuang/orders/{other_dept['id']}")
    assert response.status == 404
    expect(page.locator(".error-page")).to_contain_text("页面或工单不存在")
    assert other_dept["number"] not in page.content()
    handler.shot("error-404")

    response = page.goto(handler.site + f"/dept/tangshan/orders/{other_city['id']}")
    assert response.status == 403
    expect(page.locator(".error-page")).to_contain_text("无权访问此页面")
    handler.shot("error-403")


def test_desk_user_of_one_city_cannot_open_another_citys_desk(user, api):
    theirs = api.create(tenant="tangshan")
    agent = user("agent@shijiazhuang")
    for path in ("/desk/tangshan/orders", f"/desk/tangshan/orders/{theirs['id']}"):
        response = agent.page.goto(agent.site + path)
        assert response.status == 403
        assert theirs["number"] not in agent.page.content()


def test_desk_on_a_phone_and_in_english(user, api):
    api.create()
    agent = user("agent@shijiazhuang", viewport=(390, 844))
    page = agent.page
    sidebar = page.locator("#sidebar")
    expect(sidebar).to_be_hidden()
    page.get_by_role("button", name="菜单").click()
    expect(sidebar).to_have_class(re.compile(r"\bcollapse show\b"))  # opened, animation over
    expect(sidebar.get_by_role("link", name="新建工单")).to_be_visible()
    agent.shot("desk-orders-phone")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("All orders")
    page.keyboard.press("Tab")  # keyboard: the skip link comes first
    expect(page.locator(".skip-link")).to_be_focused()
    agent.shot("desk-orders-phone-en")


def test_landing_page_and_the_provincial_dashboard(browser, site, user):
    from tests.e2e.conftest import Session

    visitor = Session(browser, site, "")
    try:
        page = visitor.goto("/")
        expect(page.locator("h1")).to_have_text("12345政务服务便民热线平台")
        expect(page.get_by_test_id("version")).to_contain_text("0.1.0")
        for href in ("/api/docs", "/healthz", "/readyz"):
            expect(page.locator(f'a[href="{href}"]').first).to_be_visible()
        visitor.shot("front-door")
    finally:
        visitor.close()
    supervisor = user("province.supervisor")
    expect(supervisor.page.get_by_test_id("kpi-table")).to_be_visible()
    supervisor.sign_out()
    expect(supervisor.page.get_by_test_id("signin")).to_be_visible()
