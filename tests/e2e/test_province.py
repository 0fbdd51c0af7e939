"""The province dashboard in a browser: the map draws Hebei's 11 cities, the trend switches to weeks."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.orders.conftest import OrdersApi

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def api_orders(app, client, auth_headers, two_tenants):
    """The orders API with a relay to the province layer."""
    from app.outbox.service import relay
    from tenants import tenant_context

    api = OrdersApi(client, auth_headers)

    def run():
        with app.app_context():
            for ref in two_tenants:
                with tenant_context(ref.slug):
                    relay()

    api.relay = run
    return api


@pytest.fixture
def orders_api_seed(app, client, auth_headers, two_tenants):
    """A few orders today in both cities, relayed to the province layer."""
    from app.outbox.service import relay
    from tenants import tenant_context

    api = OrdersApi(client, auth_headers)
    for tenant in ("shijiazhuang", "tangshan"):
        api.tenant = tenant
        for _ in range(3):
            api.create()
    with app.app_context():
        for ref in two_tenants:
            with tenant_context(ref.slug):
                relay()


def test_province_supervisor_sees_the_map_table_and_trend(user, orders_api_seed):
    supervisor = user("province.supervisor", viewport=(1440, 1000))
    page = supervisor.goto("/province/")
    expect(page.get_by_test_id("kpi-table").locator("tbody tr")).to_have_count(11)
    expect(page.get_by_test_id("hebei-map")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("hebei-map")).to_have_attribute("data-cities", "11")
    expect(page.get_by_test_id("trend-chart")).to_have_attribute("data-ready", "1")
    assert page.locator("#hebei-map canvas").count() >= 1
    page.locator('[data-trend-by="week"]').click()
    expect(page.locator('[data-trend-by="week"]')).to_have_class("btn btn-outline-secondary active")
    page.wait_for_timeout(600)  # the chart's animation, for the screenshot
    supervisor.shot("province-dashboard")
    page.select_option('select[name="measure"]', "satisfaction")
    page.get_by_test_id("period-picker").locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"measure=satisfaction"))
    expect(page.get_by_test_id("hebei-map")).to_have_attribute("data-ready", "1")
    assert not supervisor.errors, supervisor.errors


def test_province_supervisor_drills_down_to_an_order(user, orders_api_seed):
    supervisor = user("province.supervisor", viewport=(1440, 900))
    page = supervisor.goto("/province/")
    page.get_by_test_id("kpi-table").get_by_role("link", name="唐山市").click()
    expect(page.get_by_test_id("city-kpi-table")).to_be_visible()
    expect(page.get_by_test_id("breadcrumbs")).to_contain_text("唐山市")
    page.get_by_test_id("city-kpi-table").locator("tbody a").first.click()
    expect(page).to_have_url(re.compile(r"/province/orders\?.*city=tangshan"))
    page.get_by_test_id("province-orders").locator("tbody a").first.click()
    expect(page.get_by_test_id("order-fact")).to_be_visible()
    supervisor.shot("province-order")
    assert not re.search(r"1[3-9]\d{9}", page.content())
    assert not supervisor.errors, supervisor.errors


def test_province_supervision_answered_by_the_city_supervisor(user, api_orders):
    order = api_orders.create()
    api_orders.relay()
    province = user("province.supervisor", viewport=(1440, 900))
    page = province.goto(f"/province/orders/shijiazhuang/{order['number']}")
    form = page.get_by_test_id("supervise-form")
    form.locator("textarea[name=note]").fill("省级督办：请尽快办结")
    due = (datetime.now(SH) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    form.locator("input[name=response_due_at]").fill(due)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("order-supervisions")).to_contain_text("province")
    city = user("city_supervisor@shijiazhuang")
    desk = city.goto(f"/desk/shijiazhuang/orders/{order['id']}")
    box = desk.get_by_test_id("supervisions")
    expect(box).to_contain_text("省级督办：请尽快办结")
    box.locator("input[name=answer]").fill("已督促承办部门")
    box.locator("button[type=submit]").first.click()
    expect(desk.get_by_test_id("supervisions")).to_contain_text("已督促承办部门")
    city.shot("desk-province-supervision-answered")
    page = province.goto(f"/province/orders/shijiazhuang/{order['number']}")
    expect(page.get_by_test_id("order-supervisions")).not_to_contain_text("–")
    assert not province.errors and not city.errors


def test_city_supervisor_dashboard_draws_its_charts(user, orders_api_seed):
    """The city's own charts (by category, by district, trend) from the figures of the table beside them."""
    city = user("city_supervisor@shijiazhuang", viewport=(1440, 1000))
    page = city.goto("/desk/shijiazhuang/dashboard?by=category&measure=on_time_completion")
    for chart in ("group-chart", "district-chart", "city-trend-chart"):
        expect(page.get_by_test_id(chart)).to_have_attribute("data-ready", "1")
        assert page.locator(f"[data-testid={chart}] canvas").count() >= 1
    rows = page.get_by_test_id("city-kpi-table").locator("tbody tr").count() - 1  # without the total
    expect(page.get_by_test_id("group-chart")).to_have_attribute("data-points", str(min(rows, 15)))
    expect(page.get_by_test_id("city-trend-chart")).not_to_have_attribute("data-points", "0")
    page.wait_for_timeout(600)  # the charts' animation, for the screenshot
    city.shot("city-dashboard")
    assert not city.errors, city.errors
