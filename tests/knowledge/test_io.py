"""Xinyang import and export over HTTP: all rows or none, per-row errors, subtree export,
CSV and Excel, permission kb.edit, one city's file never reaches another city."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.knowledge.io import COLUMNS
from app.knowledge.models import CityArticle, ProvinceArticle
from tenants import db, tenant_context
from tests.knowledge.test_workflow import clean  # noqa: F401  (fixture)

SJZ = "/api/v1/tenants/shijiazhuang/kb"
PROV = "/api/v1/province/kb"
HEADER = list(COLUMNS)
LEAVES = ["劳动权益/工资支付/拖欠工资", "社会保障/养老保险/退休办理", "城乡建设/供暖供热/室温不达标"]


def row(i: int, **over) -> dict:
    base = {
        "知识分类": LEAVES[i % 3],
        "标题": f"导入知识第{i}条",
        "内容": f"第{i}条的答复口径：请携带身份证到窗口办理。",
        "发布单位": "市人社局",
        "素材类型": "办事指南",
        "关键词": "办理，窗口、身份证",
        "生效日期": "2026-01-01",
        "失效日期": "",
    }
    return base | over


def as_csv(rows: list[dict], header=HEADER, encoding="utf-8-sig") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    return buf.getvalue().encode(encoding)


def upload(client, url, data: bytes, name="知识.csv", headers=None, **form):
    return client.post(
        url,
        data={"file": (io.BytesIO(data), name), **form},
        headers=headers,
        content_type="multipart/form-data",
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_thousand_rows_with_three_bad_ones_import_nothing_and_name_exactly_those(
    client,
    auth_headers,
    clean,  # noqa: F811
):
    editor = auth_headers("kb_editor@shijiazhuang")
    rows = [row(i) for i in range(1000)]
    rows[10]["知识分类"] = "劳动权益/工资支付"  # not a leaf -> file row 12
    rows[500]["关键词"] = "这是一个远远超过二十个字符长度限制的关键词用来测试"  # -> row 502
    rows[998]["标题"] = rows[3]["标题"]  # a duplicate title in the file -> row 1000
    resp = upload(client, f"{SJZ}/import", as_csv(rows), headers=editor)
    assert resp.status_code == 422, resp.get_json()
    errors = resp.get_json()["errors"]["rows"]
    assert sorted({e["row"] for e in errors}) == [12, 502, 1000]
    assert {(e["row"], e["field"]) for e in errors} == {
        (12, "category_path"),
        (502, "keywords"),
        (1000, "title"),
    }
    assert "3 of 1000 rows" in resp.get_json()["message"]
    with tenant_context("shijiazhuang"):
        assert count(CityArticle) == 0

    rows[10], rows[500], rows[998] = row(10), row(500), row(998)
    resp = upload(client, f"{SJZ}/import", as_csv(rows), headers=editor)
    assert resp.status_code == 201, resp.get_json()
    report = resp.get_json()
    assert report["imported"] == 1000 == report["rows"] and report["state"] == "draft"
    with tenant_context("shijiazhuang"):
        assert count(CityArticle) == 1000
        art = db.session.get(CityArticle, report["ids"][0])
        assert art.keywords == ["办理", "窗口", "身份证"] and art.state == "draft" and art.version == 1
    versions = client.get(f"{SJZ}/articles/{report['ids'][-1]}/versions", headers=editor).get_json()
    assert [v["version"] for v in versions] == [1] and versions[0]["diff"].endswith(
        "请携带身份证到窗口办理。"
    )
    # the same file again: every title exists now, nothing changes
    again = upload(client, f"{SJZ}/import", as_csv(rows[:5]), headers=editor)
    assert again.status_code == 422
    assert [e["message"] for e in again.get_json()["errors"]["rows"]] == [
        "an article with this title exists"
    ] * 5
    with tenant_context("tangshan"):
        assert count(CityArticle) == 0  # one city's import is that city's only


def test_file_limits_and_bad_files(client, auth_headers, clean):  # noqa: F811
    editor = auth_headers("kb_editor@shijiazhuang")
    too_many = upload(client, f"{SJZ}/import", as_csv([row(i) for i in range(1001)]), headers=editor)
    assert too_many.status_code == 422 and "1000" in too_many.get_json()["message"]
    missing = upload(client, f"{SJZ}/import", as_csv([row(1)], header=HEADER[1:]), headers=editor)
    assert missing.status_code == 422 and "知识分类" in missing.get_json()["message"]
    assert upload(client, f"{SJZ}/import", b"\x00\x01", name="x.pdf", headers=editor).status_code == 422
    assert (
        upload(client, f"{SJZ}/import", b"PK\x03\x04junk", name="x.xlsx", headers=editor).status_code == 422
    )
    assert upload(client, f"{SJZ}/import", as_csv([]), headers=editor).status_code == 422
    bad_date = upload(client, f"{SJZ}/import", as_csv([row(1, 生效日期="明天")]), headers=editor)
    assert bad_date.get_json()["errors"]["rows"] == [
        {"row": 2, "field": "valid_from", "message": "a date like 2026-01-31"}
    ]
    gbk = upload(client, f"{SJZ}/import", as_csv([row(1)], encoding="gb18030"), headers=editor, submit="true")
    assert gbk.status_code == 201 and gbk.get_json()["state"] == "in_review"
    art = client.get(f"{SJZ}/articles/{gbk.get_json()['ids'][0]}", headers=editor).get_json()
    assert art["state"] == "in_review" and art["title"] == "导入知识第1条"


def test_permissions_and_scopes(client, auth_headers, clean):  # noqa: F811
    data = as_csv([row(1)])
    for who in ("agent@shijiazhuang", "city_supervisor@shijiazhuang"):
        assert upload(client, f"{SJZ}/import", data, headers=auth_headers(who)).status_code == 403
        assert client.get(f"{SJZ}/export", headers=auth_headers(who)).status_code == 403
    other = auth_headers("kb_editor@tangshan")
    assert upload(client, f"{SJZ}/import", data, headers=other).status_code == 403
    assert client.get(f"{SJZ}/export", headers=other).status_code == 403
    city_editor = auth_headers("kb_editor@shijiazhuang")
    assert upload(client, f"{PROV}/import", data, headers=city_editor).status_code == 403
    resp = upload(client, f"{PROV}/import", data, headers=auth_headers("province.kb_editor"))
    assert resp.status_code == 201, resp.get_json()
    with tenant_context("shijiazhuang"):
        assert count(ProvinceArticle) == 1 and count(CityArticle) == 0


def test_export_of_a_subtree_round_trips_in_csv_and_excel(client, auth_headers, clean):  # noqa: F811
    editor = auth_headers("kb_editor@shijiazhuang")
    rows = [row(i) for i in range(9)]
    rows[0]["内容"] = '=HYPERLINK("http://x")'  # written as text, never as a formula
    assert upload(client, f"{SJZ}/import", as_csv(rows), headers=editor).status_code == 201
    resp = client.get(f"{SJZ}/export", query_string={"category": "劳动权益", "format": "csv"}, headers=editor)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    assert lines[0] == HEADER and len(lines) == 1 + 3
    assert {line[0] for line in lines[1:]} == {"劳动权益/工资支付/拖欠工资"}
    assert lines[1][2].startswith("'=")

    resp = client.get(f"{SJZ}/export", query_string={"category": "社会保障/养老保险"}, headers=editor)
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(resp.get_data()), read_only=True).worksheets[0]
    got = list(sheet.iter_rows(values_only=True))
    assert list(got[0]) == HEADER and len(got) == 4 and got[1][5] == "办理，窗口，身份证"
    # the export imports again (as new titles, into the province base)
    back = upload(
        client,
        f"{PROV}/import",
        resp.get_data(),
        name="导出.xlsx",
        headers=auth_headers("province.kb_editor"),
    )
    assert back.status_code == 201 and back.get_json()["imported"] == 3, back.get_json()
    assert (
        client.get(f"{SJZ}/export", query_string={"category": "没有/这个"}, headers=editor).status_code == 422
    )
    assert (
        len(
            client.get(f"{SJZ}/export", query_string={"format": "csv", "part": 2}, headers=editor)
            .get_data()
            .decode("utf-8-sig")
            .splitlines()
        )
        == 1
    )


def test_imported_articles_are_searchable_once_published(client, auth_headers, clean):  # noqa: F811
    editor, reviewer = auth_headers("kb_editor@shijiazhuang"), auth_headers("city_supervisor@shijiazhuang")
    data = as_csv(
        [
            row(
                1,
                标题="社保卡丢失补办流程",
                内容="携带身份证到社保卡服务网点挂失补办。",
                关键词="社保卡，补办",
            )
        ]
    )
    ids = upload(client, f"{SJZ}/import", data, headers=editor, submit="true").get_json()["ids"]
    assert client.post(f"{SJZ}/articles/{ids[0]}/publish", json={}, headers=reviewer).status_code == 200
    hits = client.get(
        f"{SJZ}/search", query_string={"q": "社保卡丢了"}, headers=auth_headers("agent@shijiazhuang")
    )
    assert [h["title"] for h in hits.get_json()] == ["社保卡丢失补办流程"]
