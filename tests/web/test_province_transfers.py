"""Transfers in the provincial portal: a disputed transfer decided from the page with a reason."""

from __future__ import annotations

from tests.province.test_transfers import SJZ, TS, _city, _timeline, _transfer
from tests.web.conftest import text_of
from tests.web.test_province import _relay


def test_province_decides_a_dispute_from_the_page(app, two_tenants, web, orders_api):
    relay = lambda: _relay(app, two_tenants)  # noqa: E731
    _src, t = _transfer(orders_api, relay)
    province = web("province.supervisor")
    assert f'data-transfer="{t["id"]}"' in text_of(province.get("/province/transfers?status=pending"))
    _city(orders_api, TS, t["id"], "send-back", {"reason": "不属于唐山市"})
    relay()
    assert "不属于唐山市" in text_of(province.get("/province/transfers?status=sent_back"))
    _city(orders_api, SJZ, t["id"], "dispute", {"reason": "事发地在唐山市"})
    page = text_of(province.get("/province/transfers"))
    assert f'data-transfer="{t["id"]}"' in page and 'data-testid="decide-form"' in page
    url = f"/province/transfers/{t['id']}/decide"
    no_reason = province.post(url, {"handled_by": "target", "note": ""}, token_from="/province/transfers")
    assert no_reason.status_code == 422
    admin = web("province.admin")
    assert (
        admin.post(url, {"handled_by": "target", "note": "x"}, token_from="/province/transfers").status_code
        == 403
    )
    resp = province.post(
        url, {"handled_by": "target", "note": "事发地在唐山，由唐山办理"}, token_from="/province/transfers"
    )
    assert resp.status_code == 302
    assert f'data-transfer="{t["id"]}"' in text_of(province.get("/province/transfers?status=decided"))
    again = province.post(url, {"handled_by": "target", "note": "再次"}, token_from="/province/transfers")
    assert again.status_code == 409
    relay()
    assert _timeline(orders_api, TS, t["target_order_id"])[-1]["action"] == "transfer.decided"
    assert province.get("/province/transfers?status=nope").status_code == 422
    assert web("city_supervisor@tangshan").get("/province/transfers").status_code == 403
