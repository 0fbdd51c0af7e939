"""The province dashboard /province/: the same figures as the KPI API, PII-free, province roles only."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.province.measures import KPIS
from tests.web.conftest import text_of

SH = ZoneInfo("Asia/Shanghai")


def _relay(app, two_tenants):
    from app.outbox.service import relay
    from tenants import tenant_context

    with app.app_context():
        for _ in range(5):
            moved = 0
            for ref in two_tenants:
                with tenant_context(ref.slug):
                    moved += relay()
            if not moved:
                break


def _cells(html: str, city: str) -> dict[str, str]:
    row = re.search(rf'<tr data-city="{city}">(.*?)</tr>', html, re.S).group(1)
    return {k: v.strip() for k, v in re.findall(r'data-kpi="([a-z_]+)"[^>]*>(.*?)</td>', row, re.S)}


def _shown(kpi, value) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if kpi.average else f"{value * 100:.2f}%"


def test_dashboard_figures_equal_the_kpi_api(app, two_tenants, web, orders_api, client, auth_headers):
    phones = []
    for tenant in ("shijiazhuang", "tangshan"):
        orders_api.tenant = tenant
        for _ in range(2):
            body = orders_api.create()
            phones.append(body.get("caller", {}).get("phone"))
    _relay(app, two_tenants)
    today = datetime.now(SH).date()
    day_from = (today - timedelta(days=6)).isoformat()
    period = f"from={day_from}&to={today.isoformat()}"

    api = client.get(
        f"/api/v1/province/kpis?{period}&group_by=tenant", headers=auth_headers("province.supervisor")
    ).get_json()
    resp = web("province.supervisor").get(f"/province/?{period}")
    assert resp.status_code == 200
    html = text_of(resp)
    groups = {g["key"]: g for g in api["groups"]}
    assert groups["shijiazhuang"]["received"] >= 2 and groups["tangshan"]["received"] >= 2
    for slug, group in [*groups.items(), ("total", api["total"])]:
        cells = _cells(html, slug)
        assert cells["received"] == str(group["received"]), slug
        for kpi in KPIS:
            assert cells[kpi.id] == _shown(kpi, group["kpis"][kpi.id]["value"]), (slug, kpi.id)
    # all 11 cities are listed; the ones not on the platform show no figures
    assert len(re.findall(r'<tr data-city="(?!total)[a-z]+">', html)) == 11
    # definitions on hover
    assert 'title="按时办结率: closed orders closed by their due date' in html
    # PII-free: no caller phone (whole or in part) and no caller name
    for phone in phones:
        if phone:
            assert phone not in html
    assert "张先生" not in html and not re.search(r"1[3-9]\d{9}", html)


def test_dashboard_chart_data_matches_the_table(app, two_tenants, web, client, auth_headers):
    today = datetime.now(SH).date()
    period = f"from={(today - timedelta(days=13)).isoformat()}&to={today.isoformat()}"
    user = web("province.supervisor")
    data = user.get(f"/province/dashboard.json?{period}&measure=direct_closure").get_json()
    api = client.get(
        f"/api/v1/province/kpis?{period}&group_by=tenant", headers=auth_headers("province.supervisor")
    ).get_json()
    assert len(data["map"]) == 11 and {c["name"] for c in data["map"]} >= {"石家庄市", "唐山市"}
    by_slug = {c["slug"]: c["value"] for c in data["map"]}
    for g in api["groups"]:
        assert by_slug[g["key"]] == g["kpis"]["direct_closure"]["value"]
    assert sum(p["received"] for p in data["trend"]) == api["total"]["received"]
    weekly = user.get(f"/province/dashboard.json?{period}&by=week").get_json()
    assert sum(p["received"] for p in weekly["trend"]) == api["total"]["received"]
    assert len(weekly["trend"]) <= 3


def test_bad_period_is_a_422_page_not_a_crash(web):
    user = web("province.admin")
    assert user.get("/province/?from=2025-13-01").status_code == 422
    assert user.get("/province/?from=2025-03-02&to=2025-03-01").status_code == 422
    assert user.get("/province/?from=2020-01-01&to=2025-01-01").status_code == 422
    assert user.get("/province/?measure=nope").status_code == 422
    assert user.get("/province/dashboard.json?by=month").status_code == 422


def test_city_roles_cannot_open_the_province_dashboard(web):
    assert web("city_supervisor@shijiazhuang").get("/province/").status_code == 403
    assert web("agent@tangshan").get("/province/dashboard.json").status_code == 403


def test_drill_down_province_city_category_orders_order(app, two_tenants, web, orders_api):
    caller = {"name": "赵保密", "phone": "13700001234", "language": "zh", "needs": []}
    orders_api.tenant = "tangshan"
    created = orders_api.create(caller=caller)
    _relay(app, two_tenants)
    today = datetime.now(SH).date()
    period = f"from={(today - timedelta(days=2)).isoformat()}&to={today.isoformat()}"
    user = web("province.supervisor")
    board = text_of(user.get(f"/province/?{period}"))
    city_link = re.search(r'href="(/province/city/tangshan\?[^"]+)"', board).group(1).replace("&amp;", "&")
    assert f"from={(today - timedelta(days=2)).isoformat()}" in city_link  # the period travels
    resp = user.get(city_link)
    city_page = text_of(resp)
    assert resp.status_code == 200, re.sub(r"\s+", " ", city_page)[-1500:]
    assert 'data-testid="breadcrumbs"' in city_page and "唐山市" in city_page
    cat_link = re.search(r'href="(/province/orders\?[^"]*category_code=[^"]+)"', city_page).group(1)
    listing = user.get(cat_link.replace("&amp;", "&"))
    assert listing.status_code == 200
    html = text_of(listing)
    assert created["number"] in html
    order_link = re.search(rf'href="(/province/orders/tangshan/{created["number"]}\?[^"]*)"', html).group(1)
    page = user.get(order_link.replace("&amp;", "&"))
    assert page.status_code == 200
    order_html = text_of(page)
    assert created["number"] in order_html and 'data-testid="order-fact"' in order_html
    for html_text in (board, city_page, html, order_html):
        assert "赵保密" not in html_text and "13700001234" not in html_text
        assert not re.search(r"1[3-9]\d{9}", html_text)
    by_dept = user.get(city_link + "&by=department")
    assert by_dept.status_code == 200
    assert user.get("/province/orders/tangshan/NOPE-1").status_code == 404
    assert user.get("/province/city/atlantis").status_code == 422
    assert user.get("/province/orders?city=tangshan&page=x").status_code == 422


def test_city_supervisor_cannot_drill_into_the_province(web):
    user = web("city_supervisor@shijiazhuang")
    assert user.get("/province/city/tangshan").status_code == 403
    assert user.get("/province/orders?city=tangshan").status_code == 403
