"""The city supervisor's dashboard /desk/<tenant>/dashboard: the city KPI API's figures, own city only."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.province.measures import KPIS
from tests.web.conftest import text_of
from tests.web.test_province import _relay, _shown

SH = ZoneInfo("Asia/Shanghai")


def test_city_dashboard_equals_the_city_kpi_api(app, two_tenants, web, orders_api, client, auth_headers):
    orders_api.create()
    _relay(app, two_tenants)
    today = datetime.now(SH).date()
    period = f"from={(today - timedelta(days=6)).isoformat()}&to={today.isoformat()}"
    api = client.get(
        f"/api/v1/tenants/shijiazhuang/kpis?{period}&group_by=department",
        headers=auth_headers("city_supervisor@shijiazhuang"),
    ).get_json()
    user = web("city_supervisor@shijiazhuang")
    resp = user.get(f"/desk/shijiazhuang/dashboard?{period}&by=department")
    assert resp.status_code == 200
    html = text_of(resp)
    row = re.search(r'<tr data-key="total">(.*?)</tr>', html, re.S).group(1)
    cells = {k: v.strip() for k, v in re.findall(r'data-kpi="([a-z_]+)"[^>]*>(.*?)</td>', row, re.S)}
    assert api["total"]["received"] >= 1 and cells["received"] == str(api["total"]["received"])
    for kpi in KPIS:
        assert cells[kpi.id] == _shown(kpi, api["total"]["kpis"][kpi.id]["value"]), kpi.id
    assert 'data-testid="district-table"' in html and 'data-testid="city-supervisions"' in html
    assert not re.search(r"1[3-9]\d{9}", html)
    assert user.get(f"/desk/shijiazhuang/dashboard?{period}&by=category").status_code == 200
    assert user.get("/desk/shijiazhuang/dashboard?by=nope").status_code == 422


def test_city_supervisor_cannot_see_another_citys_dashboard(web):
    assert web("city_supervisor@shijiazhuang").get("/desk/tangshan/dashboard").status_code == 403
    assert web("agent@shijiazhuang").get("/desk/shijiazhuang/dashboard").status_code == 403


def test_city_dashboard_tables_export_as_csv_and_excel(
    app, two_tenants, web, orders_api, client, auth_headers
):
    """The KPI and district tables download with the API's figures; no caller data; own city only."""
    import csv
    import io
    import zipfile

    orders_api.create(caller={"name": "孙导出", "phone": "13655550002", "language": "zh", "needs": []})
    _relay(app, two_tenants)
    today = datetime.now(SH).date()
    period = f"from={(today - timedelta(days=3)).isoformat()}&to={today.isoformat()}"
    api = client.get(
        f"/api/v1/tenants/shijiazhuang/kpis?{period}&group_by=category",
        headers=auth_headers("city_supervisor@shijiazhuang"),
    ).get_json()
    user = web("city_supervisor@shijiazhuang")
    page = text_of(user.get(f"/desk/shijiazhuang/dashboard?{period}"))
    assert "/desk/shijiazhuang/dashboard/export.csv?" in page.replace("&amp;", "&")
    resp = user.get(f"/desk/shijiazhuang/dashboard/export.csv?table=kpis&{period}&by=category")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["category", "received"] and rows[-1][0] == "全市"
    assert rows[-1][1] == str(api["total"]["received"]) and len(rows) == 1 + len(api["groups"]) + 1
    assert "孙导出" not in text and not re.search(r"1[3-9]\d{9}", text)
    districts = user.get(f"/desk/shijiazhuang/dashboard/export.xlsx?table=districts&{period}")
    assert (
        districts.status_code == 200
        and "shijiazhuang-districts.xlsx" in districts.headers["Content-Disposition"]
    )
    with zipfile.ZipFile(io.BytesIO(districts.get_data())) as book:
        assert "district" in book.read("xl/sharedStrings.xml").decode()
    assert user.get("/desk/shijiazhuang/dashboard/export.csv?table=nope").status_code == 422
    assert user.get("/desk/tangshan/dashboard/export.csv?table=kpis").status_code == 403
    assert web("agent@shijiazhuang").get("/desk/shijiazhuang/dashboard/export.csv").status_code == 403
