"""The provincial portal's administration and its boundaries, in the browser (issue 10):
provisioning a city (live progress, then in the tenants list), a 2027 holiday moving a deadline
preview, a transfer dispute decided and seen on both cities' timelines, a city supervisor kept
out of another city's dashboard and drill-down, and no caller phone or name on province pages."""

from __future__ import annotations

import contextlib
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.orders.conftest import OrdersApi
from tests.province.test_transfers import SJZ, TS, _city, _transfer
from tests.support.workers import start_worker

pytestmark = pytest.mark.slow
NEW_CITY = {"name": "雄安新区", "slug": "xiongan", "region_code": "139801", "order_prefix": "XA"}
CALLER = {"name": "司马隐私", "phone": "13677778888", "language": "zh", "needs": []}
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)1[3-9]\d\*{4}\d{4}(?!\d)")


@pytest.fixture
def worker(services, site):
    """A real rq worker for the jobs the pages start (provisioning, exports)."""
    proc = start_worker(services, "default,reports")
    yield proc
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def api(app, client, auth_headers, two_tenants):
    from app.outbox.service import relay
    from tenants import tenant_context

    orders = OrdersApi(client, auth_headers)

    def run():
        with app.app_context():
            for _ in range(5):
                moved = 0
                for ref in two_tenants:
                    with tenant_context(ref.slug):
                        moved += relay()
                if not moved:
                    break

    orders.relay = run
    return orders


@pytest.fixture
def cleanup(app):
    """The new city and the 2027 days go again: other tests count cities and a 2027 without data."""
    yield
    from app.calendar import service
    from app.errors import NotFound
    from tenants import db, provision
    from tenants.context import UnknownTenant

    with app.app_context():
        with contextlib.suppress(UnknownTenant):
            provision.drop_tenant(NEW_CITY["slug"], yes=True)
        for i in range(10):
            with contextlib.suppress(NotFound):
                service.delete_entry(city=False, day=date(2027, 2, 6) + timedelta(days=i))
        db.session.commit()


def test_province_admin_provisions_a_city_and_enters_a_2027_holiday(user, worker, cleanup):
    admin = user("province.admin", viewport=(1440, 1000))
    page = admin.goto("/province/admin/tenants")
    form = page.get_by_test_id("provision-form")
    for name, value in NEW_CITY.items():
        form.locator(f"input[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/province/admin/provisioning/\d+$"))
    status = page.get_by_test_id("provision-status")
    seen = {status.get_attribute("data-status")}
    expect(page.get_by_test_id("provision-progress")).to_be_visible()
    for _ in range(120):  # the fragment polls itself every second until the run is over
        seen.add(page.get_by_test_id("provision-status").get_attribute("data-status"))
        if "succeeded" in seen or "failed" in seen:
            break
        page.wait_for_timeout(500)
    expect(page.get_by_test_id("provision-status")).to_have_attribute(
        "data-status", "succeeded", timeout=60_000
    )
    assert seen & {"queued", "running"}, seen  # the page showed the run before it was over
    log = page.get_by_test_id("provision-log")
    expect(log).to_contain_text("migrating schema t_xiongan")
    expect(log).to_contain_text("sla-policies")
    expect(page.get_by_test_id("provision-progress")).to_have_text("100%")
    admin.shot("province-provisioning")
    page.get_by_test_id("provision-done").get_by_role("link").click()
    row = page.locator('tr[data-tenant="xiongan"]')
    expect(row).to_contain_text("雄安新区")
    expect(row).to_contain_text("active")

    page = admin.goto("/province/admin/calendar?year=2027")
    form = page.get_by_test_id("holiday-form")
    form.locator("input[name=name]").fill("春节")
    form.locator("input[name=off_from]").fill("2027-02-06")
    form.locator("input[name=off_to]").fill("2027-02-12")
    form.locator("input[name=workdays]").first.fill("2027-02-14")
    form.locator("input[name=start]").fill("2027-02-05T09:00")
    form.locator("input[name=working_days]").fill("3")
    page.get_by_test_id("preview").click()
    expect(page.get_by_test_id("due-before")).to_have_text("2027-02-10 23:59")
    expect(page.get_by_test_id("due-after")).to_contain_text("2027-02-16 23:59")
    expect(page.get_by_test_id("calendar-entries")).not_to_contain_text("2027-02-08")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("calendar-saved")).to_be_visible()
    expect(page.locator('tr[data-day="2027-02-14"]')).to_contain_text("春节调休上班")
    expect(page.get_by_test_id("year-source")).to_have_attribute("data-source", "province")
    admin.shot("province-calendar")
    assert not admin.errors, admin.errors


def test_province_supervisor_decides_a_transfer_dispute_seen_in_both_timelines(user, api):
    src, t = _transfer(api, api.relay)
    assert _city(api, TS, t["id"], "send-back", {"reason": "不属于唐山市"}).status_code == 200
    api.relay()
    assert _city(api, SJZ, t["id"], "dispute", {"reason": "事发地在唐山市"}).status_code == 200

    province = user("province.supervisor", viewport=(1440, 900))
    page = province.goto("/province/transfers?status=disputed")
    row = page.locator(f'tr[data-transfer="{t["id"]}"]')
    row.locator("select[name=handled_by]").select_option("target")
    row.locator("input[name=note]").fill("事发地在唐山，由唐山市办理")
    row.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"status=decided"))
    expect(page.locator(f'tr[data-transfer="{t["id"]}"]')).to_contain_text("事发地在唐山，由唐山市办理")
    province.shot("province-transfer-decided")
    page = province.goto("/province/transfers?status=disputed")
    expect(page.locator(f'tr[data-transfer="{t["id"]}"]')).to_have_count(0)
    api.relay()

    for city, order_id in ((SJZ, src["id"]), (TS, t["target_order_id"])):
        supervisor = user(f"city_supervisor@{city}")
        desk = supervisor.goto(f"/desk/{city}/orders/{order_id}")
        expect(desk.get_by_test_id("timeline")).to_contain_text("省级裁决")
        expect(desk.get_by_test_id("timeline")).to_contain_text("事发地在唐山，由唐山市办理")
        expect(desk.get_by_test_id("transfer-decision").first).to_contain_text("接收市")
        supervisor.shot(f"desk-transfer-decided-{city}")
        assert not supervisor.errors, supervisor.errors
    assert not province.errors, province.errors


def test_a_city_supervisor_cannot_open_another_citys_dashboard_or_drill_down(user):
    city = user("city_supervisor@shijiazhuang")
    own = city.goto("/desk/shijiazhuang/dashboard")
    expect(own.get_by_test_id("city-kpi-table")).to_be_visible()
    for path in (
        "/desk/tangshan/dashboard",
        "/desk/tangshan/dashboard?by=department",
        "/province/",
        "/province/city/tangshan",
        "/province/orders?city=tangshan",
        "/province/admin/sla",
    ):
        response = city.page.goto(city.site + path)
        assert response.status == 403, (path, response.status)
        expect(city.page.locator("h1")).to_contain_text("无权")
        assert "唐山" not in city.page.locator("main").inner_text()
    city.shot("city-supervisor-forbidden")


def test_province_pages_never_show_a_phone_number_or_a_caller_name(user, api):
    numbers = {}
    for tenant in (SJZ, TS):
        api.tenant = tenant
        numbers[tenant] = api.create(caller=CALLER)
    api.tenant = SJZ
    api.ok(numbers[SJZ]["id"], "supervise", "province.supervisor", {"note": "督办"})
    api.relay()
    sjz = numbers[SJZ]["number"]
    pages = {
        "province.supervisor": [
            "/province/",
            "/province/city/shijiazhuang",
            "/province/city/tangshan?by=department",
            "/province/orders",
            "/province/orders?city=shijiazhuang",
            f"/province/orders/shijiazhuang/{sjz}",
            f"/province/orders/tangshan/{numbers[TS]['number']}",
            "/province/supervision?list=overdue",
            "/province/supervision?list=due_soon",
            "/province/supervision?list=supervised",
            "/province/transfers?status=pending",
            "/province/transfers?status=decided",
            "/province/admin/tenants",
            "/province/admin/sla",
            "/province/admin/calendar",
            "/province/exports",
        ],
        "province.admin": ["/province/", "/province/admin/dead-letters", "/province/admin/tenants"],
    }
    for username, paths in pages.items():
        session = user(username, viewport=(1440, 900))
        for path in paths:
            response = session.page.goto(session.site + path)
            assert response.status == 200, (path, response.status)
            session.page.wait_for_load_state("networkidle")
            html = session.page.content()
            assert CALLER["name"] not in html and CALLER["phone"] not in html, path
            assert not MOBILE.search(html), (path, MOBILE.search(html).group(0))
        assert not session.errors, session.errors
    assert sjz  # the pages above did list this order (the supervised list and its order page)
