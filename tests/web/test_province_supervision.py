"""Provincial supervision (省级督办) from the portal: opened on the province's order page, seen and
answered by the city in /desk/, the answer time visible back in the province."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.web.conftest import text_of
from tests.web.test_province import _relay

SH = ZoneInfo("Asia/Shanghai")
DESK = "/desk/shijiazhuang"


def test_province_opens_a_supervision_the_city_answers(app, two_tenants, web, orders_api):
    o = orders_api.create()
    _relay(app, two_tenants)
    province = web("province.supervisor")
    order_url = f"/province/orders/shijiazhuang/{o['number']}"
    page = text_of(province.get(order_url))
    assert 'data-testid="supervise-form"' in page
    due = (datetime.now(SH) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    past = (datetime.now(SH) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    bad = province.post(
        f"{order_url}/supervise", {"note": "x", "response_due_at": past}, token_from=order_url
    )
    assert bad.status_code == 422
    assert (
        province.post(
            f"{order_url}/supervise", {"note": "", "response_due_at": due}, token_from=order_url
        ).status_code
        == 422
    )
    resp = province.post(
        f"{order_url}/supervise",
        {"note": "省级督办：请三日内办结", "response_due_at": due},
        token_from=order_url,
    )
    assert resp.status_code == 302
    listed = text_of(province.get("/province/supervision?list=supervised"))
    assert o["number"] in listed and "province" in listed
    # the city sees it on the order in the desk and answers it
    dispatcher = web("dispatcher@shijiazhuang")
    desk_page = text_of(dispatcher.get(f"{DESK}/orders/{o['id']}"))
    assert "省级督办：请三日内办结" in desk_page
    sid = re.search(r"/supervisions/(\d+)/answer", desk_page).group(1)
    answered = dispatcher.post(
        f"{DESK}/orders/{o['id']}/supervisions/{sid}/answer",
        {"answer": "已督促住建局"},
        token_from=f"{DESK}/orders",
    )
    assert answered.status_code == 303
    after = text_of(province.get(order_url))
    sup_table = re.search(r'data-testid="order-supervisions">(.*?)</table>', after, re.S).group(1)
    assert "province" in sup_table and sup_table.count("–") == 0  # deadline and answer time both shown
    assert not re.search(r"1[3-9]\d{9}", after)


def test_supervision_desk_lists_and_access(web):
    province = web("province.supervisor")
    for which in ("overdue", "due_soon", "supervised"):
        assert province.get(f"/province/supervision?list={which}").status_code == 200
    assert province.get("/province/supervision?list=nope").status_code == 422
    admin = web("province.admin")
    assert admin.get("/province/supervision").status_code == 200
    assert (
        admin.post(
            "/province/orders/shijiazhuang/X/supervise", {"note": "x"}, token_from="/province/supervision"
        ).status_code
        == 403
    )
    assert web("city_supervisor@shijiazhuang").get("/province/supervision").status_code == 403
