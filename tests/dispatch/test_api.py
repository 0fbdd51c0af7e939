"""The dispatch-rule API and the suggestion endpoint: edits, validation, roles and tenants."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.dispatch.models import DispatchRule
from tenants import db, tenant_context

SJZ = "/api/v1/tenants/shijiazhuang"
TS = "/api/v1/tenants/tangshan"


def _rules(slug: str) -> list[tuple]:
    with tenant_context(slug):
        rows = db.session.scalars(select(DispatchRule).order_by(DispatchRule.id)).all()
        return [(r.id, r.category_code, r.district_code, r.lead_department, r.assist_departments, r.active)
                for r in rows]  # fmt: skip


def test_suggest_endpoint(client, two_tenants, auth_headers):
    h = auth_headers("dispatcher@shijiazhuang")
    body = client.get(f"{SJZ}/dispatch/suggest?category=0102&district=130102", headers=h).get_json()
    assert body["lead_department"] == "gov_130102" and body["assist_departments"] == ["zjj"]
    assert body["specificity"] == "minor+district" and "桥西区" in body["reason"]
    none = client.get(f"{SJZ}/dispatch/suggest?category=2002", headers=h).get_json()
    assert none["lead_department"] is None and none["rule_id"] is None
    bad = client.get(f"{SJZ}/dispatch/suggest?category=abc&district=1", headers=h)
    assert bad.status_code == 422 and set(bad.get_json()["errors"]["query"]) == {"category", "district"}
    assert client.get(f"{SJZ}/dispatch/suggest", headers=h).status_code == 422
    assert client.get(f"{TS}/dispatch/suggest?category=0403", headers=h).status_code == 403


def test_rules_list_filters_and_paginates(client, two_tenants, auth_headers):
    h = auth_headers("agent@tangshan")
    resp = client.get(f"{TS}/dispatch-rules?category=0102&page_size=3", headers=h)
    assert resp.status_code == 200 and len(resp.get_json()) == 3
    assert json.loads(resp.headers["X-Pagination"])["total"] == 1 + 14  # city-wide + one per district
    first = resp.get_json()[0]
    assert first["district_code"] is None and first["priority"] == 3 and first["specificity"] == "minor"
    by_dept = client.get(f"{TS}/dispatch-rules?department=rlgs&page_size=100", headers=h).get_json()
    assert {r["category_code"] for r in by_dept} == {"0403", "0404"}
    assisting = client.get(f"{TS}/dispatch-rules?department=slj&page_size=100", headers=h).get_json()
    assert any("slj" in r["assist_departments"] for r in assisting)


def test_city_supervisor_creates_and_retargets_a_rule(client, two_tenants, auth_headers):
    h = auth_headers("city_supervisor@tangshan")
    body = {"category_code": "0401", "district_code": "130207", "lead_department": "gov_130207",
            "assist_departments": ["zlsgs"], "note": "曹妃甸区自建供水"}  # fmt: skip
    created = client.post(f"{TS}/dispatch-rules", json=body, headers=h)
    assert created.status_code == 201, created.get_json()
    rule = created.get_json()
    assert rule["origin"] == "city" and rule["specificity"] == "minor+district"
    suggest = client.get(f"{TS}/dispatch/suggest?category=0401&district=130207", headers=h).get_json()
    assert suggest["rule_id"] == rule["id"] and suggest["lead_department"] == "gov_130207"
    patched = client.patch(f"{TS}/dispatch-rules/{rule['id']}", json={"assist_departments": []}, headers=h)
    assert patched.status_code == 200 and patched.get_json()["assist_departments"] == []
    again = client.post(f"{TS}/dispatch-rules", json=body, headers=h)
    assert again.status_code == 409 and f"rule {rule['id']}" in again.get_json()["message"]
    retired = client.patch(f"{TS}/dispatch-rules/{rule['id']}", json={"active": False}, headers=h)
    assert retired.get_json()["active"] is False
    fallback = client.get(f"{TS}/dispatch/suggest?category=0401&district=130207", headers=h).get_json()
    assert fallback["lead_department"] == "zlsgs"
    with tenant_context("shijiazhuang"):  # Tangshan's rule stays in Tangshan
        assert not db.session.scalars(select(DispatchRule).where(DispatchRule.note == body["note"])).all()


@pytest.mark.parametrize(
    "body, status, where",
    [
        ({"category_code": "04x3", "lead_department": "rlgs"}, 422, "category_code"),
        ({"category_code": "0403", "lead_department": "RLGS"}, 422, "lead_department"),
        ({"category_code": "0403"}, 422, "lead_department"),
        ({"category_code": "0403", "lead_department": "rlgs", "assist_departments": ["zjj", "zjj"]}, 422,
         "assist_departments"),
        ({"category_code": "0403", "lead_department": "rlgs", "assist_departments": ["rlgs"]}, 422,
         "assist_departments"),
        ({"category_code": "0403", "lead_department": "no_such"}, 422, "lead_department"),
        ({"category_code": "0403", "lead_department": "rlgs", "assist_departments": ["ghost"]}, 422,
         "assist_departments"),
        ({"category_code": "8888", "lead_department": "rlgs"}, 422, "category_code"),
        ({"category_code": "0403", "district_code": "130101", "lead_department": "rlgs"}, 422,
         "district_code"),  # a Shijiazhuang district
        ({"category_code": "0403", "lead_department": "zjj"}, 409, None),  # the baseline rule exists
    ],
)  # fmt: skip
def test_bad_rules_are_rejected_and_change_nothing(client, two_tenants, auth_headers, body, status, where):
    before = _rules("tangshan")
    resp = client.post(f"{TS}/dispatch-rules", json=body, headers=auth_headers("city_supervisor@tangshan"))
    assert resp.status_code == status, resp.get_json()
    if where:
        assert resp.get_json()["errors"]["json"][where]
    else:
        assert "already covers" in resp.get_json()["message"]
    assert _rules("tangshan") == before


def test_bad_patches_change_nothing(client, two_tenants, auth_headers):
    h = auth_headers("city_supervisor@tangshan")
    rule = client.get(f"{TS}/dispatch-rules?category=0403", headers=h).get_json()[0]
    before = _rules("tangshan")
    for body, status in [
        ({}, 422),
        ({"category_code": "0404"}, 422),
        ({"lead_department": "ghost"}, 422),
        ({"assist_departments": ["rlgs"]}, 422),  # the lead cannot assist
        ({"lead_department": "zjj", "assist_departments": ["zjj"]}, 422),
    ]:
        assert (
            client.patch(f"{TS}/dispatch-rules/{rule['id']}", json=body, headers=h).status_code == status
        ), body
    assert client.patch(f"{TS}/dispatch-rules/999999", json={"note": "x"}, headers=h).status_code == 404
    assert _rules("tangshan") == before


def test_another_city_cannot_touch_rules(client, two_tenants, auth_headers):
    before = _rules("tangshan")
    rule_id = before[0][0]
    body = {"category_code": "0403", "district_code": "130201", "lead_department": "rlgs"}
    for user in ("city_supervisor@shijiazhuang", "dispatcher@tangshan", "handler.rlgs@tangshan"):
        h = auth_headers(user)
        assert client.post(f"{TS}/dispatch-rules", json=body, headers=h).status_code == 403, user
        assert (
            client.patch(f"{TS}/dispatch-rules/{rule_id}", json={"active": False}, headers=h).status_code
            == 403
        )
    assert (
        client.get(f"{TS}/dispatch-rules", headers=auth_headers("dispatcher@shijiazhuang")).status_code == 403
    )
    assert client.get(f"{TS}/dispatch-rules").status_code == 401
    assert _rules("tangshan") == before
