"""Exports of the province tables: CSV and Excel carry the page's figures and no caller data."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.web.test_province import _relay

SH = ZoneInfo("Asia/Shanghai")


def test_kpi_and_order_exports(app, two_tenants, web, orders_api, client, auth_headers):
    caller = {"name": "钱导出", "phone": "13655550001", "language": "zh", "needs": []}
    created = orders_api.create(caller=caller)
    _relay(app, two_tenants)
    today = datetime.now(SH).date()
    period = f"from={(today - timedelta(days=3)).isoformat()}&to={today.isoformat()}"
    api = client.get(
        f"/api/v1/province/kpis?{period}&group_by=tenant", headers=auth_headers("province.supervisor")
    ).get_json()
    user = web("province.supervisor")
    resp = user.get(f"/province/export.csv?table=kpis&{period}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["city", "received"] and len(rows) == 1 + 11 + 1
    sjz = next(r for r in rows if r[0] == "石家庄市")
    group = next(g for g in api["groups"] if g["key"] == "shijiazhuang")
    assert int(sjz[1]) == group["received"]
    assert rows[-1][1] == str(api["total"]["received"])

    orders = user.get(f"/province/export.csv?table=orders&city=shijiazhuang&{period}")
    text = orders.get_data(as_text=True)
    assert created["number"] in text and "钱导出" not in text and not re.search(r"1[3-9]\d{9}", text)

    xlsx = user.get(f"/province/export.xlsx?table=orders&city=shijiazhuang&{period}")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(xlsx.get_data())) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert created["number"] in strings and "钱导出" not in strings and "13655550001" not in strings
    assert user.get("/province/export.pdf?table=kpis").status_code in (404, 422)
    assert user.get("/province/export.csv?table=nope").status_code == 422
    assert web("city_supervisor@shijiazhuang").get("/province/export.csv").status_code == 403
