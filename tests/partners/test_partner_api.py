"""``/api/v1/partner/{tenant}/...`` (docs/partners.md): desensitized orders and aggregates of one
city for data partners; confidential orders never leave; two cities stay apart."""

from __future__ import annotations

import json

import pytest

from tests.orders.conftest import new_phone

P = "/api/v1/partner"
PARTNER = "partner.research@shijiazhuang"


def _list(client, auth_headers, query="", tenant="shijiazhuang", user=PARTNER):
    return client.get(f"{P}/{tenant}/orders{query}", headers=auth_headers(user))


def _all(client, auth_headers, query="", tenant="shijiazhuang") -> list[dict]:
    out, page = [], 1
    while True:
        sep = "&" if query else "?"
        resp = _list(client, auth_headers, f"{query}{sep}page={page}&page_size=100", tenant)
        assert resp.status_code == 200, resp.get_json()
        out += resp.get_json()
        if page >= json.loads(resp.headers["X-Pagination"])["total_pages"]:
            return out
        page += 1


@pytest.fixture
def shared(orders):
    """A normal order full of personal data, a confidential one, and one of tangshan."""
    phone = new_phone()
    plain = orders.create(
        title="王小明反映噪音",
        content=f"我是王小明，电话{phone}，身份证130102199001011234，邮箱wxm@example.com，座机0311-86001234。",
        caller={"name": "王小明", "phone": phone},
        district_code="130102",
        location={"lat": 38.043712, "lng": 114.514862},
    )
    secret = orders.create(confidential=True, content="实名举报某单位偷排污水。")
    other = orders.create(tenant="tangshan", content="唐山的诉求，不属于石家庄。")
    return plain, secret, other


def test_orders_are_desensitized(client, auth_headers, shared):
    plain, secret, other = shared
    listed = {o["number"]: o for o in _all(client, auth_headers)}
    got = listed[plain["number"]]
    assert secret["number"] not in listed and other["number"] not in listed
    assert not {"caller", "address", "id", "caller_phone", "confidential"} & set(got)
    text = got["title"] + got["content"]
    for leak in (
        "王小明",
        plain["caller"]["phone"].replace("*", ""),
        "130102199001011234",
        "wxm@example.com",
    ):
        assert leak not in text, leak
    assert "86001234" not in text and "***" in got["content"]
    assert got["location"] == {"lat": 38.04, "lng": 114.51}
    assert got["district_code"] == "130102" and got["open"] is True and got["status"] == "received"
    raw = _list(client, auth_headers).get_data(as_text=True)
    assert "建华南大街" not in raw  # the address never leaves

    one = client.get(f"{P}/shijiazhuang/orders/{plain['number']}", headers=auth_headers(PARTNER))
    assert one.status_code == 200 and one.get_json() == got
    hidden = client.get(f"{P}/shijiazhuang/orders/{secret['number']}", headers=auth_headers(PARTNER))
    assert hidden.status_code == 404  # no hint a confidential order exists
    assert client.get(f"{P}/shijiazhuang/orders/SJZ-1-1", headers=auth_headers(PARTNER)).status_code == 404


def test_two_cities_stay_apart(client, auth_headers, shared):
    _plain, _secret, other = shared
    assert _list(client, auth_headers, tenant="tangshan").status_code == 403
    by_number = client.get(f"{P}/tangshan/orders/{other['number']}", headers=auth_headers(PARTNER))
    assert by_number.status_code == 403
    assert client.get(f"{P}/tangshan/hotspots", headers=auth_headers(PARTNER)).status_code == 403
    assert client.get(f"{P}/tangshan/kpis", headers=auth_headers(PARTNER)).status_code == 403
    theirs = _list(client, auth_headers, tenant="tangshan", user="partner.x@tangshan").get_json()
    assert other["number"] in [o["number"] for o in theirs]
    assert client.get(f"{P}/nowhere/orders", headers=auth_headers(PARTNER)).status_code == 404


@pytest.mark.parametrize(
    "user",
    [
        "agent@shijiazhuang",
        "dispatcher@shijiazhuang",
        "city_supervisor@shijiazhuang",
        "client.open311@shijiazhuang",
    ],
)
def test_only_data_partners(client, auth_headers, two_tenants, user):
    assert _list(client, auth_headers, user=user).status_code == 403
    assert client.get(f"{P}/shijiazhuang/hotspots", headers=auth_headers(user)).status_code == 403


def test_a_partner_has_no_other_api(client, auth_headers, two_tenants):
    headers = auth_headers(PARTNER)
    assert client.get("/api/v1/tenants/shijiazhuang/orders", headers=headers).status_code == 403
    assert client.get("/api/v1/tenants/shijiazhuang/categories", headers=headers).status_code == 403
    assert client.get("/api/v1/province/orders", headers=headers).status_code == 403
    assert client.get(f"{P}/shijiazhuang/orders").status_code == 401


def _quiet_cells(app):
    """Two districts and a leaf category no other test files orders under."""
    from sqlalchemy import select

    from app.catalog import service as catalog
    from app.catalog.models import District
    from tenants import db, tenant_context

    with app.app_context(), tenant_context("shijiazhuang"):
        districts = sorted(db.session.scalars(select(District.code)).all())
        leaf = sorted(c.code for c in catalog.list_categories() if c.is_leaf and c.active)[-1]
    return districts[-1], districts[-2], leaf


def test_hotspots_leave_out_small_cells(app, client, auth_headers, orders):
    busy, lone, leaf = _quiet_cells(app)
    for _ in range(3):
        orders.create(district_code=busy, category_code=leaf)
    orders.create(district_code=lone, category_code=leaf)  # a cell of one
    resp = client.get(
        f"{P}/shijiazhuang/hotspots?by=district_category&limit=100", headers=auth_headers(PARTNER)
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["min_cell"] == 3 and body["by"] == "district_category"
    cells = {(c["district_code"], c["category_code"]): c for c in body["cells"]}
    assert cells[(busy, leaf)]["orders"] == 3 and cells[(busy, leaf)]["open"] == 3
    assert (lone, leaf) not in cells
    by_district = client.get(f"{P}/shijiazhuang/hotspots?by=district&limit=1", headers=auth_headers(PARTNER))
    assert (
        len(by_district.get_json()["cells"]) == 1
        and by_district.get_json()["cells"][0]["category_code"] is None
    )


def test_kpis(client, auth_headers, two_tenants):
    resp = client.get(f"{P}/shijiazhuang/kpis?group_by=channel", headers=auth_headers(PARTNER))
    assert resp.status_code == 200, resp.get_json()
    assert "total" in resp.get_json() and resp.get_json()["group_by"] == "channel"


def test_filters_and_pages(client, auth_headers, orders):
    o = orders.create(channel="web", appeal_type="suggestion", district_code="130105")
    found = _list(client, auth_headers, "?channel=web&appeal_type=suggestion&district_code=130105").get_json()
    assert o["number"] in [x["number"] for x in found]
    resp = _list(client, auth_headers, "?page_size=1")
    assert resp.status_code == 200 and len(resp.get_json()) == 1
    assert json.loads(resp.headers["X-Pagination"])["total"] >= 2
    later = _list(client, auth_headers, "?updated_after=2999-01-01T00:00:00%2B08:00").get_json()
    assert later == []


@pytest.mark.parametrize(
    "query",
    [
        "?from=2026-12-10&to=2026-12-01",
        "?from=2024-01-01&to=2026-12-01",  # over 366 days
        "?updated_after=2026-12-01T08:00:00",  # no offset
        "?status=merged",
        "?status=nope",
        "?category_code=%00",
        "?from=yesterday",
        "?page_size=0",
    ],
)
def test_bad_queries_are_4xx(client, auth_headers, two_tenants, query):
    resp = _list(client, auth_headers, query)
    assert resp.status_code in (400, 422), (query, resp.status_code)


@pytest.mark.parametrize("query", ["?by=street", "?limit=0", "?limit=101", "?from=2026-13-01"])
def test_bad_hotspot_queries_are_422(client, auth_headers, two_tenants, query):
    resp = client.get(f"{P}/shijiazhuang/hotspots{query}", headers=auth_headers(PARTNER))
    assert resp.status_code == 422, (query, resp.status_code)
