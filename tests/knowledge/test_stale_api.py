"""Stale-article reports over HTTP: per issuing unit in a city, per city in the province, by role."""

from __future__ import annotations

from datetime import date, timedelta

from tests.knowledge.test_workflow import clean, fields  # noqa: F401  (fixture)

SJZ = "/api/v1/tenants/shijiazhuang/kb"
PROVINCE = "/api/v1/province/kb/stale"


def _published(client, headers, reviewer, **over) -> dict:
    resp = client.post(f"{SJZ}/articles", json=fields(**over), headers=headers)
    assert resp.status_code == 201, resp.get_json()
    art = resp.get_json()
    assert client.post(f"{SJZ}/articles/{art['id']}/submit", json={}, headers=headers).status_code == 200
    assert client.post(f"{SJZ}/articles/{art['id']}/publish", json={}, headers=reviewer).status_code == 200
    return art


def test_city_and_province_reports_by_role(client, auth_headers, clean):  # noqa: F811
    editor, reviewer = auth_headers("kb_editor@shijiazhuang"), auth_headers("city_supervisor@shijiazhuang")
    soon = (date.today() + timedelta(days=5)).isoformat()
    later = (date.today() + timedelta(days=40)).isoformat()
    _published(client, editor, reviewer, issuing_unit="市教育局", valid_to=soon)
    _published(client, editor, reviewer, issuing_unit="市教育局", valid_to=later)
    _published(client, editor, reviewer, issuing_unit="市人社局")

    resp = client.get(f"{SJZ}/stale", headers=reviewer)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == [
        {"issuing_unit": "市人社局", "published": 1, "expiring": 0, "expired": 0},
        {"issuing_unit": "市教育局", "published": 2, "expiring": 1, "expired": 0},
    ]
    wide = client.get(f"{SJZ}/stale?days=60", headers=editor).get_json()
    assert [r["expiring"] for r in wide] == [0, 2]

    for account in ("agent@shijiazhuang", "handler.zjj@shijiazhuang", "kb_editor"):
        assert client.get(f"{SJZ}/stale", headers=auth_headers(account)).status_code == 403, account
    assert client.get(f"{SJZ}/stale", headers=auth_headers("kb_editor@tangshan")).status_code == 403
    assert client.get(f"{SJZ}/stale?days=0", headers=reviewer).status_code == 422

    body = client.get(PROVINCE, headers=auth_headers("province_supervisor"))
    assert body.status_code == 200, body.get_json()
    cities = {c["tenant"]: c for c in body.get_json()["cities"]}
    assert cities["shijiazhuang"] | {"name": None} == {
        "tenant": "shijiazhuang",
        "name": None,
        "published": 3,
        "expiring": 1,
        "expired": 0,
    }
    assert cities["tangshan"]["published"] == 0
    assert client.get(PROVINCE, headers=auth_headers("kb_editor")).status_code == 200
    for account in ("kb_editor@shijiazhuang", "city_supervisor@shijiazhuang", "agent@shijiazhuang"):
        assert client.get(PROVINCE, headers=auth_headers(account)).status_code == 403, account
