"""The reference-data API: reads, city edits, validation, roles and tenant checks."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.catalog.models import Category, Department
from tenants import db, tenant_context

SJZ = "/api/v1/tenants/shijiazhuang"
TS = "/api/v1/tenants/tangshan"


def _snapshot(slug: str) -> tuple:
    """Everything a write could touch in one city's catalog."""
    with tenant_context(slug):
        cats = db.session.execute(select(Category.code, Category.name, Category.active)).all()
        depts = db.session.execute(select(Department.code, Department.name, Department.active)).all()
        return sorted(cats), sorted(depts)


def test_categories_flat_tree_and_parent_filter(client, two_tenants, auth_headers):
    h = auth_headers("agent@shijiazhuang")
    flat = client.get(f"{SJZ}/categories", headers=h).get_json()
    assert len(flat) > 110 and flat[0]["code"] == "01" and flat[0]["level"] == "major"
    minors = client.get(f"{SJZ}/categories?parent=04", headers=h).get_json()
    heating = next(c for c in minors if c["code"] == "0403")
    assert heating == heating | {"name": "供暖", "name_en": "Heating", "is_leaf": True, "season": "winter"}
    assert {c["parent_code"] for c in minors} == {"04"}
    tree = client.get(f"{SJZ}/categories?view=tree", headers=h).get_json()
    assert [n["code"] for n in tree] == sorted(n["code"] for n in tree) and len(tree) == 20
    assert "0403" in [c["code"] for c in next(n for n in tree if n["code"] == "04")["children"]]
    majors = client.get(f"{SJZ}/categories?level=major", headers=h).get_json()
    assert len(majors) == 20 and "children" not in majors[0]


def test_departments_are_paginated_and_filtered(client, two_tenants, auth_headers):
    h = auth_headers("handler.zjj@tangshan")
    resp = client.get(f"{TS}/departments?page_size=5&page=2", headers=h)
    assert resp.status_code == 200 and len(resp.get_json()) == 5
    paging = json.loads(resp.headers["X-Pagination"])
    assert paging["page"] == 2 and paging["total"] > 40
    govs = client.get(f"{TS}/departments?kind=district_government&page_size=100", headers=h).get_json()
    assert [g["name"] for g in govs][:2] == ["路南区人民政府", "路北区人民政府"]
    one = client.get(f"{TS}/departments?district=130201", headers=h).get_json()
    assert [d["code"] for d in one] == ["gov_130201"]
    districts = client.get(f"{TS}/districts", headers=h).get_json()
    assert districts[0] == {"code": "130201", "name": "路南区", "sort_order": 1, "active": True}
    types = client.get(f"{TS}/appeal-types", headers=h).get_json()
    assert [t["code"] for t in types] == [
        "consultation",
        "help",
        "complaint",
        "report",
        "suggestion",
        "praise",
    ]


def test_city_supervisor_adds_renames_and_retires_a_category(app_ctx, client, two_tenants, auth_headers):
    h = auth_headers("city_supervisor@tangshan")
    body = {"code": "0211", "name": "公共厕所", "name_en": "Public toilets", "appeal_type_hint": "complaint"}
    created = client.post(f"{TS}/categories", json=body, headers=h)
    assert created.status_code == 201, created.get_json()
    assert created.get_json() | body == created.get_json()
    assert created.get_json()["parent_code"] == "02" and created.get_json()["origin"] == "city"
    assert created.get_json()["updated_by"] == "city_supervisor@tangshan"
    renamed = client.patch(f"{TS}/categories/0211", json={"name": "公厕管理", "season": "summer"}, headers=h)
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "公厕管理"
    retired = client.patch(f"{TS}/categories/0211", json={"active": False}, headers=h)
    assert retired.status_code == 200 and retired.get_json()["active"] is False
    listed = [c["code"] for c in client.get(f"{TS}/categories?parent=02", headers=h).get_json()]
    assert "0211" not in listed
    assert "0211" in [
        c["code"] for c in client.get(f"{TS}/categories?parent=02&status=all", headers=h).get_json()
    ]
    assert client.get(f"{TS}/categories/0211", headers=h).get_json()["active"] is False
    with tenant_context("shijiazhuang"):
        assert db.session.get(Category, "0211") is None  # Tangshan's edit only


def test_a_major_with_active_minors_cannot_be_retired(client, two_tenants, auth_headers):
    h = auth_headers("province.admin")
    before = _snapshot("tangshan")
    resp = client.patch(f"{TS}/categories/19", json={"active": False}, headers=h)
    assert resp.status_code == 409 and "1901" in resp.get_json()["message"]
    assert _snapshot("tangshan") == before


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"code": "4", "name": "x", "name_en": "x"}, 422, "code"),
        ({"code": "04031", "name": "x", "name_en": "x"}, 422, "code"),
        ({"code": "0499", "name": "", "name_en": "x"}, 422, "name"),
        ({"code": "0499", "name": "x", "name_en": "x", "season": "monsoon"}, 422, "season"),
        ({"code": "0499", "name": "x", "name_en": "x", "parent_code": "05"}, 422, "parent_code"),
        ({"code": "0499", "name": "x", "name_en": "x", "id": 3}, 422, "id"),
        ({"code": "9901", "name": "x", "name_en": "x"}, 422, "parent_code"),  # no major 99
        ({"code": "0403", "name": "x", "name_en": "x"}, 409, None),  # duplicate
    ],
)
def test_bad_category_input_is_rejected_with_a_message(
    client, two_tenants, auth_headers, body, status, field
):
    before = _snapshot("shijiazhuang")
    resp = client.post(f"{SJZ}/categories", json=body, headers=auth_headers("city_supervisor@shijiazhuang"))
    assert resp.status_code == status, resp.get_json()
    payload = resp.get_json()
    if field:
        assert payload["errors"]["json"][field]  # the field's own message
    else:
        assert "already exists" in payload["message"]
    assert _snapshot("shijiazhuang") == before


def test_department_create_patch_and_validation(app_ctx, client, two_tenants, auth_headers):
    h = auth_headers("city_supervisor@shijiazhuang")
    before = _snapshot("shijiazhuang")
    bad = [
        ({"code": "Bad-Code", "name": "x", "kind": "other"}, 422),
        ({"code": "tyj", "name": "x", "kind": "ministry"}, 422),
        ({"code": "tyj", "name": "x", "kind": "district_government"}, 422),  # no district_code
        ({"code": "tyj", "name": "x", "kind": "other", "district_code": "130299"}, 422),  # not this city
        ({"code": "xq", "name": "x", "kind": "district_government", "district_code": "130101"}, 409),
        ({"code": "zjj", "name": "x", "kind": "city_bureau"}, 409),
    ]
    for body, status in bad:
        resp = client.post(f"{SJZ}/departments", json=body, headers=h)
        assert resp.status_code == status, (body, resp.get_json())
        assert resp.get_json().get("message") or resp.get_json()["errors"]["json"]
    assert _snapshot("shijiazhuang") == before
    body = {"code": "tyj", "name": "市体育局", "short_name": "市体育局", "kind": "city_bureau"}
    assert client.post(f"{SJZ}/departments", json=body, headers=h).status_code == 201
    resp = client.patch(f"{SJZ}/departments/tyj", json={"phone": "0311-86681234"}, headers=h)
    assert resp.status_code == 200 and resp.get_json()["phone"] == "0311-86681234"
    assert client.patch(f"{SJZ}/departments/tyj", json={"phone": "call me"}, headers=h).status_code == 422
    assert client.patch(f"{SJZ}/departments/tyj", json={}, headers=h).status_code == 422
    assert client.patch(f"{SJZ}/departments/tyj", json={"kind": "other"}, headers=h).status_code == 422
    assert client.patch(f"{SJZ}/departments/nope", json={"name": "x"}, headers=h).status_code == 404
    assert (
        client.patch(f"{SJZ}/departments/tyj", json={"active": False}, headers=h).get_json()["active"]
        is False
    )
    codes = [d["code"] for d in client.get(f"{SJZ}/departments?page_size=100", headers=h).get_json()]
    assert "tyj" not in codes and "zjj" in codes


def test_another_city_or_a_read_only_role_cannot_edit(client, two_tenants, auth_headers):
    before = _snapshot("tangshan")
    body = {"code": "0212", "name": "x", "name_en": "x"}
    for user in ("city_supervisor@shijiazhuang", "dispatcher@shijiazhuang", "province.supervisor"):
        resp = client.post(f"{TS}/categories", json=body, headers=auth_headers(user))
        assert resp.status_code == 403, user
        resp = client.patch(f"{TS}/departments/zjj", json={"name": "x"}, headers=auth_headers(user))
        assert resp.status_code == 403, user
    for user in ("dispatcher@tangshan", "agent@tangshan", "handler.zjj@tangshan"):
        assert client.post(f"{TS}/categories", json=body, headers=auth_headers(user)).status_code == 403
    for path in ("categories", "departments", "districts", "appeal-types"):
        assert client.get(f"{TS}/{path}", headers=auth_headers("agent@shijiazhuang")).status_code == 403
        assert client.get(f"{TS}/{path}").status_code == 401
    assert (
        client.get("/api/v1/tenants/nowhere/categories", headers=auth_headers("province.admin")).status_code
        == 404
    )
    assert _snapshot("tangshan") == before
