"""A department-bound knowledge editor (kb_editor with a department claim) writes only as its
department: new articles, edits, submits and imports of other units are refused, over HTTP
with the dev IdP's token of ``kb_editor.zjj@shijiazhuang``."""

from __future__ import annotations

from tests.knowledge.test_io import as_csv, row, upload
from tests.knowledge.test_workflow import clean, fields  # noqa: F401  (fixture)

SJZ = "/api/v1/tenants/shijiazhuang/kb"
ZJJ = "石家庄市住房和城乡建设局"  # demo department zjj is 市住房和城乡建设局


def test_bound_editor_writes_only_as_its_department(client, auth_headers, clean):  # noqa: F811
    bound, editor = auth_headers("kb_editor.zjj@shijiazhuang"), auth_headers("kb_editor@shijiazhuang")
    me = client.get("/api/v1/me", headers=bound).get_json()
    assert me["department"] == "zjj" and me["roles"] == ["kb_editor"], me

    other = client.post(f"{SJZ}/articles", json=fields(issuing_unit="市人社局"), headers=bound)
    assert other.status_code == 422 and ZJJ in str(other.get_json()["errors"]["issuing_unit"]), (
        other.get_json()
    )
    mine = client.post(f"{SJZ}/articles", json=fields(issuing_unit=ZJJ), headers=bound)
    assert mine.status_code == 201, mine.get_json()
    short = client.post(f"{SJZ}/articles", json=fields(issuing_unit="市住房和城乡建设局"), headers=bound)
    assert short.status_code == 201, short.get_json()  # the catalogue's own name counts too

    theirs = client.post(f"{SJZ}/articles", json=fields(issuing_unit="市人社局"), headers=editor).get_json()
    assert (
        client.patch(f"{SJZ}/articles/{theirs['id']}", json={"content": "改"}, headers=bound).status_code
        == 403
    )
    assert client.post(f"{SJZ}/articles/{theirs['id']}/submit", json={}, headers=bound).status_code == 403
    moved = client.patch(
        f"{SJZ}/articles/{mine.get_json()['id']}", json={"issuing_unit": "市人社局"}, headers=bound
    )
    assert moved.status_code == 422  # nor give its own article away
    ok = client.post(f"{SJZ}/articles/{mine.get_json()['id']}/submit", json={}, headers=bound)
    assert ok.status_code == 200 and ok.get_json()["state"] == "in_review"
    untouched = client.get(f"{SJZ}/articles/{theirs['id']}", headers=editor).get_json()
    assert untouched["version"] == 1 and untouched["state"] == "draft"

    # an import names exactly the rows of other units, and imports nothing
    rows = [row(i, 发布单位=ZJJ) for i in range(5)]
    rows[1]["发布单位"] = rows[3]["发布单位"] = "市人社局"
    resp = upload(client, f"{SJZ}/import", as_csv(rows), headers=bound)
    assert resp.status_code == 422, resp.get_json()
    assert [(e["row"], e["field"]) for e in resp.get_json()["errors"]["rows"]] == [
        (3, "issuing_unit"),
        (5, "issuing_unit"),
    ]
    listed = client.get(f"{SJZ}/articles?per_page=100", headers=editor).get_json()
    assert not [a for a in listed if a["title"].startswith("导入知识")]
