"""Accessibility: needs on the order, agents' skills, routing to the skilled, elderly to a human, KPIs."""

from __future__ import annotations


def _url(orders, suffix):
    return f"/api/v1/tenants/{orders.tenant}/accessibility{suffix}"


def test_skills_route_orders_and_elderly_go_to_a_human(orders):
    sup = orders.auth(orders.user("dispatcher"))
    put = orders.client.put(
        _url(orders, "/agents/agent@shijiazhuang/skills"),
        json={"skills": [{"skill": "sign_language"}]},
        headers=sup,
    )
    assert put.status_code == 200, put.get_json()
    assert [s["skill"] for s in put.get_json()] == ["sign_language"]
    denied = orders.client.put(
        _url(orders, "/agents/agent@shijiazhuang/skills"),
        json={"skills": []},
        headers=orders.auth(orders.user("agent")),
    )
    assert denied.status_code == 403
    bad = orders.client.put(
        _url(orders, "/agents/agent@shijiazhuang/skills"), json={"skills": [{"skill": "x"}]}, headers=sup
    )
    assert bad.status_code == 422

    deaf = orders.create(caller={"needs": ["hearing_impaired"]})
    elderly = orders.create(caller={"needs": ["elderly"]})
    plain = orders.create()
    assert deaf["human_only"] and elderly["human_only"] and not plain["human_only"]

    routing = orders.client.get(_url(orders, f"/orders/{deaf['id']}/routing"), headers=sup).get_json()
    assert routing["required_skills"] == ["sign_language"] and "agent@shijiazhuang" in routing["agents"]
    assert (
        orders.client.get(_url(orders, f"/orders/{plain['id']}/routing"), headers=sup).get_json()["agents"]
        == []
    )

    queue = orders.client.get(_url(orders, "/queue?page_size=100"), headers=orders.auth(orders.user("agent")))
    ids = [o["id"] for o in queue.get_json()]
    assert deaf["id"] in ids and plain["id"] not in ids and elderly["id"] not in ids


def test_kpis_per_group(orders):
    orders.create(caller={"needs": ["foreign_language"], "language": "en"})
    resp = orders.client.get(_url(orders, "/kpis"), headers=orders.auth(orders.user("dispatcher")))
    assert resp.status_code == 200
    groups = {g["need"]: g for g in resp.get_json()}
    assert groups["foreign_language"]["orders"] >= 1 and groups["foreign_language"]["open"] >= 1
    assert (
        orders.client.get(
            "/api/v1/tenants/tangshan/accessibility/kpis", headers=orders.auth(orders.user("dispatcher"))
        ).status_code
        == 403
    )
