"""Knowledge API over HTTP: create, edit, workflow by role, city isolation, bad input."""

from __future__ import annotations

from tests.knowledge.test_workflow import clean, fields  # noqa: F401  (fixture)

SJZ = "/api/v1/tenants/shijiazhuang/kb/articles"
TS = "/api/v1/tenants/tangshan/kb/articles"


def test_city_article_lifecycle_and_isolation(client, auth_headers, clean):  # noqa: F811
    editor, reviewer = auth_headers("kb_editor@shijiazhuang"), auth_headers("city_supervisor@shijiazhuang")
    agent = auth_headers("agent@shijiazhuang")
    body = fields(title="老板不发工资怎么办")
    resp = client.post(SJZ, json=body, headers=editor)
    assert resp.status_code == 201, resp.get_json()
    art = resp.get_json()
    assert art["state"] == "draft" and art["version"] == 1
    assert client.post(SJZ, json=body, headers=editor).status_code == 409
    assert (
        client.post(SJZ, json=body | {"title": "x", "category_path": "劳动权益"}, headers=editor).status_code
        == 422
    )
    assert client.post(SJZ, json=body | {"title": "y"}, headers=agent).status_code == 403
    # a draft is invisible to readers, and to another city's editor
    assert client.get(f"{SJZ}/{art['id']}", headers=agent).status_code == 404
    assert client.get(f"{TS}/{art['id']}", headers=auth_headers("kb_editor@tangshan")).status_code == 404
    assert client.get(f"{SJZ}/{art['id']}", headers=auth_headers("kb_editor@tangshan")).status_code == 403

    resp = client.patch(f"{SJZ}/{art['id']}", json={"content": "向劳动监察投诉。"}, headers=editor)
    assert resp.status_code == 200 and resp.get_json()["version"] == 2, resp.get_json()
    versions = client.get(f"{SJZ}/{art['id']}/versions", headers=editor).get_json()
    assert [v["version"] for v in versions] == [1, 2] and "+向劳动监察投诉。" in versions[1]["diff"]

    assert client.post(f"{SJZ}/{art['id']}/publish", json={}, headers=reviewer).status_code == 409
    assert client.post(f"{SJZ}/{art['id']}/submit", json={}, headers=editor).status_code == 200
    assert client.post(f"{SJZ}/{art['id']}/publish", json={}, headers=editor).status_code == 403
    assert client.post(f"{SJZ}/{art['id']}/reject", json={}, headers=reviewer).status_code == 422
    resp = client.post(f"{SJZ}/{art['id']}/publish", json={}, headers=reviewer)
    assert resp.status_code == 200 and resp.get_json()["reviewed_by"] == "city_supervisor@shijiazhuang"
    assert client.post(f"{SJZ}/{art['id']}/nonsense", json={}, headers=reviewer).status_code == 404
    assert client.post(f"{SJZ}/{art['id']}/expire", json={}, headers=editor).status_code == 404
    listed = client.get(SJZ, headers=agent).get_json()
    assert [a["title"] for a in listed] == ["老板不发工资怎么办"]
    assert client.get(TS, headers=auth_headers("agent@tangshan")).get_json() == []


def test_search_over_http_is_per_city(client, auth_headers, clean):  # noqa: F811
    editor, reviewer = auth_headers("kb_editor@shijiazhuang"), auth_headers("city_supervisor@shijiazhuang")
    art = client.post(SJZ, json=fields(title="楼上渗漏维修责任"), headers=editor).get_json()
    client.post(f"{SJZ}/{art['id']}/submit", json={}, headers=editor)
    client.post(f"{SJZ}/{art['id']}/publish", json={}, headers=reviewer)
    resp = client.get(
        f"{SJZ.rsplit('/', 1)[0]}/search",
        query_string={"q": "楼上漏水"},
        headers=auth_headers("agent@shijiazhuang"),
    )
    assert resp.status_code == 200 and [h["title"] for h in resp.get_json()] == ["楼上渗漏维修责任"]
    resp = client.get(
        f"{TS.rsplit('/', 1)[0]}/search",
        query_string={"q": "楼上漏水"},
        headers=auth_headers("agent@tangshan"),
    )
    assert resp.status_code == 200 and resp.get_json() == []
    assert (
        client.get(f"{SJZ.rsplit('/', 1)[0]}/search", headers=auth_headers("agent@shijiazhuang")).status_code
        == 422
    )


def test_suggest_from_typed_text(client, auth_headers, clean):  # noqa: F811
    editor, reviewer = auth_headers("kb_editor@shijiazhuang"), auth_headers("city_supervisor@shijiazhuang")
    for title in ("用人单位拖欠工资投诉", "拖欠工资仲裁时效"):
        art = client.post(SJZ, json=fields(title=title), headers=editor).get_json()
        client.post(f"{SJZ}/{art['id']}/submit", json={}, headers=editor)
        client.post(f"{SJZ}/{art['id']}/publish", json={}, headers=reviewer)
    url = "/api/v1/tenants/shijiazhuang/kb/suggest"
    agent = auth_headers("agent@shijiazhuang")
    resp = client.get(url, query_string={"text": "老板三个月不发工资了"}, headers=agent)
    assert resp.status_code == 200 and len(resp.get_json()) == 2
    assert client.get(url, headers=agent).status_code == 422
    assert client.get(url, query_string={"order_id": 999999}, headers=agent).status_code == 404
    assert (
        client.get(
            url.replace("shijiazhuang", "tangshan"),
            query_string={"text": "不发工资"},
            headers=auth_headers("agent@tangshan"),
        ).get_json()
        == []
    )


def test_feedback_and_usage_report_per_city(client, auth_headers, clean):  # noqa: F811
    editor, agent = auth_headers("kb_editor@shijiazhuang"), auth_headers("agent@shijiazhuang")
    art = client.post(SJZ, json=fields(title="停水报修电话"), headers=editor).get_json()
    url = "/api/v1/tenants/shijiazhuang/kb/feedback"
    for helped in (True, True, False):
        resp = client.post(
            url, json={"scope": "city", "article_id": art["id"], "helped": helped}, headers=agent
        )
        assert resp.status_code == 201, resp.get_json()
    assert resp.get_json() == {
        "scope": "city",
        "article_id": art["id"],
        "uses": 3,
        "helped": 2,
        "helpfulness": 2 / 3,
    }
    assert client.get(url, headers=agent).get_json()[0]["uses"] == 3
    assert (
        client.post(
            url, json={"scope": "city", "article_id": 999999, "helped": True}, headers=agent
        ).status_code
        == 404
    )
    assert (
        client.get(url.replace("shijiazhuang", "tangshan"), headers=auth_headers("agent@tangshan")).get_json()
        == []
    )
