"""The dashboard's headline tiles show the province total of the KPI API for the same period."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.province.measures import KPIS
from tests.web.conftest import text_of
from tests.web.test_province import _relay

SH = ZoneInfo("Asia/Shanghai")


def test_tiles_equal_the_api_total(app, two_tenants, web, orders_api, client, auth_headers):
    orders_api.create()
    _relay(app, two_tenants)
    today = datetime.now(SH).date()
    period = f"from={(today - timedelta(days=6)).isoformat()}&to={today.isoformat()}"
    total = client.get(
        f"/api/v1/province/kpis?{period}&group_by=tenant", headers=auth_headers("province.supervisor")
    ).get_json()["total"]
    html = text_of(web("province.supervisor").get(f"/province/?{period}"))
    tiles = re.search(r'data-testid="kpi-tiles">(.*?)<div class="row', html, re.S).group(1)
    shown = {
        k: re.sub(r"<[^>]+>", "", v).strip()
        for k, v in re.findall(r'class="kpi-value" data-kpi="([a-z_]+)">(.*?)</div>', tiles, re.S)
    }
    assert shown["received"] == str(total["received"])
    by_id = {k.id: k for k in KPIS}
    for kpi_id in ("on_time_completion", "satisfaction", "on_time_sign_for", "overdue", "avg_handling_days"):
        value = total["kpis"][kpi_id]["value"]
        if value is None:
            expected = "–"
        elif by_id[kpi_id].average:
            expected = f"{value:.2f}"
        else:
            expected = f"{value * 100:.1f}"
        assert shown[kpi_id].startswith(expected), (kpi_id, shown[kpi_id], value)
