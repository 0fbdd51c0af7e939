"""Platform settings, secret rotation and class maps over the API (docs/integrations.md §Setup, §Class maps)."""

from __future__ import annotations

import io
import json
import uuid

import pytest

from integrations import signing
from integrations.emergency import examples
from tests.emergency.conftest import SJZ, TS

CITY = f"/api/v1/tenants/{SJZ}/emergency"
PROVINCE = "/api/v1/province/emergency"


def test_platform_settings_are_for_city_supervisors_and_never_show_the_secret(
    client, auth_headers, two_tenants
):
    rows = client.get(f"{CITY}/platforms", headers=auth_headers(f"agent@{SJZ}")).get_json()
    assert [r["platform"] for r in rows] == ["110", "119", "120", "122"]
    assert rows[0]["client_id"] == f"emergency-110-{SJZ}" and "secret" not in rows[0]
    body = {"endpoint_url": "https://122.sjz.example.gov.cn/api"}
    assert (
        client.put(f"{CITY}/platforms/122", json=body, headers=auth_headers(f"agent@{SJZ}")).status_code
        == 403
    )
    assert (
        client.put(
            f"{CITY}/platforms/999", json=body, headers=auth_headers(f"city_supervisor@{SJZ}")
        ).status_code
        == 404
    )
    bad = client.put(
        f"{CITY}/platforms/122",
        json={"endpoint_url": "ftp://x"},
        headers=auth_headers(f"city_supervisor@{SJZ}"),
    )
    assert bad.status_code == 422
    other = client.put(
        f"/api/v1/tenants/{TS}/emergency/platforms/122",
        json=body,
        headers=auth_headers(f"city_supervisor@{SJZ}"),
    )
    assert other.status_code == 403
    ok = client.put(f"{CITY}/platforms/122", json=body, headers=auth_headers(f"city_supervisor@{SJZ}"))
    assert ok.status_code == 200 and ok.get_json()["configured"] is True
    off = client.put(
        f"{CITY}/platforms/122", json={"endpoint_url": None}, headers=auth_headers("province.admin")
    )
    assert off.get_json()["configured"] is False and off.get_json()["updated_by"] == "province.admin"


def test_a_rotated_secret_signs_and_the_old_one_lasts_its_overlap(
    client, auth_headers, live_server, two_tenants
):
    import requests

    from tests.support.identity import RealTokens

    token = RealTokens(live_server.idp_url).client(f"emergency-119-{TS}")
    url = f"{live_server.url}/api/v1/integrations/emergency/{TS}/incidents"
    supervisor = auth_headers(f"city_supervisor@{TS}")

    def handover(secret: str) -> int:
        doc = json.loads(json.dumps(examples.INCIDENT))
        doc["incidentComponent"]["internalIncidentId"] = f"119-{uuid.uuid4().hex[:12]}"
        doc["incidentComponent"]["incidentTypeInternalCode"] = "FH0101"
        doc["hotline12345"]["messageId"] = uuid.uuid4().hex
        body = json.dumps(doc).encode()
        headers = {"Authorization": f"Bearer {token}", signing.HEADER: signing.sign(secret, body)}
        return requests.post(
            url, data=body, headers={**headers, "Content-Type": "application/json"}, timeout=10
        ).status_code

    first = client.post(
        f"/api/v1/tenants/{TS}/emergency/platforms/119/secret", json={"overlap_hours": 1}, headers=supervisor
    )
    assert first.status_code == 200, first.get_json()
    old = first.get_json()["secret"]
    second = client.post(
        f"/api/v1/tenants/{TS}/emergency/platforms/119/secret", json={"overlap_hours": 1}, headers=supervisor
    )
    new = second.get_json()["secret"]
    assert new != old and second.get_json()["secret_generation"] == first.get_json()["secret_generation"] + 1
    assert handover(new) == 201 and handover(old) == 201  # the old one during its overlap
    third = client.post(
        f"/api/v1/tenants/{TS}/emergency/platforms/119/secret", json={"overlap_hours": 0}, headers=supervisor
    )
    assert handover(third.get_json()["secret"]) == 201
    assert handover(new) == 401 and handover(old) == 401


@pytest.fixture
def klass(app):
    """A class code of this test only; its rows are deleted afterwards."""
    from sqlalchemy import delete

    from app.emergency.models import CityClassMap, ProvinceClassMap
    from tenants import db, tenant_context

    code = f"T{uuid.uuid4().hex[:8].upper()}"
    yield code
    with app.app_context():
        db.session.execute(delete(ProvinceClassMap).where(ProvinceClassMap.class_code.like(f"{code}%")))
        db.session.commit()
        with tenant_context(SJZ):
            db.session.execute(delete(CityClassMap).where(CityClassMap.class_code.like(f"{code}%")))
            db.session.commit()


def test_a_city_row_overrides_the_provinces_and_deleting_it_restores_it(
    client, auth_headers, klass, two_tenants
):
    admin, supervisor = auth_headers("province.admin"), auth_headers(f"city_supervisor@{SJZ}")
    row = {"class_name": "测试类别", "major_code": "FJ99", "major_name": "测试", "category_code": "0201"}
    assert client.put(f"{PROVINCE}/class-map/110/{klass}", json=row, headers=supervisor).status_code == 403
    put = client.put(f"{PROVINCE}/class-map/110/{klass}", json=row, headers=admin)
    assert put.status_code == 200 and put.get_json()["source"] == "province"

    def applies() -> dict:
        rows = client.get(f"{CITY}/class-map?platform=110", headers=supervisor).get_json()
        return next(r for r in rows if r["class_code"] == klass)

    assert (applies()["category_code"], applies()["source"]) == ("0201", "province")
    own = client.put(f"{CITY}/class-map/110/{klass}", json={**row, "category_code": None}, headers=supervisor)
    assert own.status_code == 200
    assert (applies()["category_code"], applies()["source"]) == (None, "city")
    assert [
        r["class_code"] for r in client.get(f"{CITY}/class-map?own=true", headers=supervisor).get_json()
    ] == [klass]
    leaf = client.put(
        f"{CITY}/class-map/110/{klass}", json={**row, "category_code": "02"}, headers=supervisor
    )
    assert leaf.status_code == 422 and leaf.get_json()["errors"]["rows"][0]["field"] == "category_code"
    assert client.delete(f"{CITY}/class-map/110/{klass}", headers=supervisor).status_code == 204
    assert applies()["source"] == "province"
    assert client.delete(f"{CITY}/class-map/110/{klass}", headers=supervisor).status_code == 404


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode("utf-8-sig")


HEADER = ["平台", "类别代码", "类别名称", "大类代码", "大类名称", "警情", "12345分类"]


def test_an_import_with_a_bad_row_writes_nothing_and_lists_every_problem(
    client, auth_headers, klass, two_tenants
):
    admin = auth_headers("province.admin")
    rows = [
        HEADER,
        ["110", f"{klass}1", "路灯不亮", "FJ02", "市政设施", "否", "0202"],
        ["119", f"{klass}2", "开锁", "FH01", "非火警求助", "否", "0299"],  # no such category
        ["911", f"{klass}3", "x", "", "", "否", ""],  # no such platform
        ["110", f"{klass}1", "重复", "", "", "是", ""],  # same class again
        ["110", f"{klass}4", "警情", "JW01", "刑事案件", "也许", ""],  # police neither 是 nor 否
    ]
    resp = client.post(
        f"{PROVINCE}/class-map/import", data={"file": (io.BytesIO(_csv(rows)), "map.csv")}, headers=admin
    )
    assert resp.status_code == 422, resp.get_json()
    problems = {(p["row"], p["field"]) for p in resp.get_json()["errors"]["rows"]}
    assert problems == {(3, "category_code"), (4, "platform"), (5, "class_code"), (6, "police")}
    listed = client.get(f"{PROVINCE}/class-map?platform=110", headers=admin).get_json()
    assert not [r for r in listed if r["class_code"].startswith(klass)]


def test_an_excel_import_adds_and_replaces_rows(client, auth_headers, klass, two_tenants):
    import xlsxwriter

    supervisor = auth_headers(f"city_supervisor@{SJZ}")
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    sheet = book.add_worksheet()
    rows = [
        ["platform", "class_code", "class_name", "major_code", "major_name", "police", "category_code"],
        ["122", f"{klass}1", "违停", "FJT01", "非紧急交通", "否", "0304"],
        ["122", f"{klass}2", "事故", "JT01", "交通事故", "是", ""],
    ]
    for i, row in enumerate(rows):
        sheet.write_row(i, 0, row)
    book.close()
    resp = client.post(
        f"{CITY}/class-map/import",
        data={"file": (io.BytesIO(buf.getvalue()), "map.xlsx")},
        headers=supervisor,
    )
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json() == {"rows": 2, "imported": 2, "platforms": ["122"]}
    mine = {
        r["class_code"]: r
        for r in client.get(f"{CITY}/class-map?own=true&platform=122", headers=supervisor).get_json()
    }
    assert mine[f"{klass}1"]["category_code"] == "0304" and mine[f"{klass}2"]["police"] is True
    garbage = client.post(
        f"{CITY}/class-map/import",
        data={"file": (io.BytesIO(b"PK\x03\x04junk"), "x.xlsx")},
        headers=supervisor,
    )
    assert garbage.status_code == 422


def test_the_demo_class_map_names_only_minor_categories_of_the_baseline(
    app, client, auth_headers, two_tenants
):
    from app.catalog import baseline

    leaves = {c["code"] for c in baseline.categories() if c["parent_code"]}
    rows = client.get(f"{PROVINCE}/class-map", headers=auth_headers("province.admin")).get_json()
    seeded = [r for r in rows if r["updated_by"] == "seed"]
    nonpolice_110 = [r for r in seeded if r["platform"] == "110" and not r["police"]]
    assert len({r["major_code"] for r in nonpolice_110}) == 21 and len(nonpolice_110) >= 80
    assert all(r["category_code"] in leaves for r in seeded if r["category_code"])
    assert all(r["category_code"] is None for r in seeded if r["police"])
