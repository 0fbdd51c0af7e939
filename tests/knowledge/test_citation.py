"""A direct closure cites the knowledge article used: recorded on the timeline and counted as a
helpful use on that order; only a published article this city sees may be cited."""

from __future__ import annotations

from tests.knowledge.test_workflow import clean, fields  # noqa: F401  (fixture)
from tests.orders.conftest import OrdersApi

SJZ = "/api/v1/tenants/shijiazhuang/kb"


def _published(client, auth_headers, base: str, title: str, tenant: str = "shijiazhuang") -> int:
    editor = auth_headers("province.kb_editor" if "province" in base else f"kb_editor@{tenant}")
    reviewer = auth_headers("province.supervisor" if "province" in base else f"city_supervisor@{tenant}")
    art = client.post(f"{base}/articles", json=fields(title=title), headers=editor).get_json()
    client.post(f"{base}/articles/{art['id']}/submit", json={}, headers=editor)
    assert client.post(f"{base}/articles/{art['id']}/publish", json={}, headers=reviewer).status_code == 200
    return art["id"]


def test_direct_closure_cites_a_published_article(client, auth_headers, clean, two_tenants):  # noqa: F811
    api = OrdersApi(client, auth_headers)
    local = _published(client, auth_headers, SJZ, "拖欠工资投诉渠道")
    shared = _published(client, auth_headers, "/api/v1/province/kb", "全省最低工资标准")
    order = api.create(appeal_type="consultation")
    body = {"resolution": "已告知向劳动监察投诉。", "kb_article": {"scope": "city", "article_id": local}}
    closed = api.ok(order["id"], "close", "agent", body)
    assert closed["status"] == "closed" and closed["direct_closure"] is True
    timeline = client.get(
        api.url(f"/{order['id']}/timeline"), headers=auth_headers("agent@shijiazhuang")
    ).get_json()
    close = next(e for e in timeline if e["action"] == "order.close")
    assert close["data"]["kb_article"] == {"scope": "city", "article_id": local, "title": "拖欠工资投诉渠道"}
    usage = client.get(f"{SJZ}/feedback", headers=auth_headers("agent@shijiazhuang")).get_json()
    assert usage == [{"scope": "city", "article_id": local, "uses": 1, "helped": 1, "helpfulness": 1.0}]

    other = api.create(appeal_type="consultation")
    shared_body = {"resolution": "已告知标准。", "kb_article": {"scope": "province", "article_id": shared}}
    assert api.act(other["id"], "close", "agent", shared_body).status_code == 200


def test_only_published_articles_this_city_sees_may_be_cited(client, auth_headers, clean, two_tenants):  # noqa: F811
    api = OrdersApi(client, auth_headers)
    editor = auth_headers("kb_editor@shijiazhuang")
    draft = client.post(f"{SJZ}/articles", json=fields(title="未发布的草稿"), headers=editor).get_json()["id"]
    elsewhere = _published(client, auth_headers, "/api/v1/tenants/tangshan/kb", "唐山本地知识", "tangshan")
    order = api.create(appeal_type="consultation")
    for cite in (
        {"scope": "city", "article_id": draft},
        {"scope": "city", "article_id": elsewhere + 1000},  # no such article in this city
        {"scope": "province", "article_id": 999999},
    ):
        resp = api.act(order["id"], "close", "agent", {"resolution": "已答复", "kb_article": cite})
        assert resp.status_code == 422, resp.get_json()
        assert "kb_article" in resp.get_json()["errors"]
    assert api.get(order["id"]).get_json()["status"] == "received"  # nothing changed
    bad = api.act(
        order["id"], "close", "agent", {"resolution": "x", "kb_article": {"scope": "x", "article_id": 1}}
    )
    assert bad.status_code == 422
