"""Isolation through the pages: another department, another city, confidential callers."""

from __future__ import annotations

import re

from .conftest import text_of


def _dispatch(orders_api, lead="zjj", assists=(), **intake):
    o = orders_api.create(**intake)
    orders_api.ok(
        o["id"], "dispatch", "dispatcher", {"lead_department": lead, "assist_departments": list(assists)}
    )
    return o


def test_handler_of_another_department_cannot_open_the_order(web, orders_api):
    o = _dispatch(orders_api, lead="zjj")
    assert web("handler.zjj@shijiazhuang").get(f"/dept/shijiazhuang/orders/{o['id']}").status_code == 200
    resp = web("handler.cgj@shijiazhuang").get(f"/dept/shijiazhuang/orders/{o['id']}")
    assert resp.status_code == 404 and 'data-status="404"' in text_of(resp)
    assert o["number"] not in text_of(resp)
    inbox = text_of(web("handler.cgj@shijiazhuang").get("/dept/shijiazhuang/inbox?list=all"))
    assert o["number"] not in inbox


def test_handler_cannot_act_on_another_departments_order(web, orders_api):
    o = _dispatch(orders_api, lead="zjj")
    user = web("handler.cgj@shijiazhuang")
    resp = user.post(
        f"/dept/shijiazhuang/orders/{o['id']}/act/accept",
        {"version": o["version"] + 1},
        token_from="/dept/shijiazhuang/inbox",
    )
    assert resp.status_code == 403
    assert orders_api.get(o["id"]).get_json()["status"] == "dispatched"


def test_user_of_one_city_cannot_open_another_citys_pages(web, orders_api):
    theirs = orders_api.create(tenant="tangshan")
    user = web("agent@shijiazhuang")
    for path in ("/desk/tangshan/orders", f"/desk/tangshan/orders/{theirs['id']}", "/desk/tangshan/intake"):
        resp = user.get(path)
        assert resp.status_code == 403, path
        assert 'data-status="403"' in text_of(resp) and theirs["number"] not in text_of(resp)
    handler = web("handler.zjj@shijiazhuang")
    assert handler.get(f"/dept/tangshan/orders/{theirs['id']}").status_code == 403
    assert user.get("/desk/nowhere/orders").status_code == 404


def test_a_post_into_another_city_is_refused_and_changes_nothing(web, orders_api):
    theirs = orders_api.create(tenant="tangshan")
    user = web("dispatcher@shijiazhuang")
    resp = user.post(
        f"/desk/tangshan/orders/{theirs['id']}/act/close",
        {"resolution": "x", "version": theirs["version"]},
        token_from="/desk/shijiazhuang/orders",
    )
    assert resp.status_code == 403
    assert orders_api.get(theirs["id"], tenant="tangshan").get_json()["status"] == "received"


def test_areas_are_by_role(web):
    assert web("handler.zjj@shijiazhuang").get("/desk/shijiazhuang/orders").status_code == 403
    assert web("agent@shijiazhuang").get("/dept/shijiazhuang/inbox").status_code == 403
    assert web("agent@shijiazhuang").get("/province/").status_code == 403
    assert web("province.admin").get("/desk/").status_code == 403


def test_handler_never_sees_a_confidential_caller_or_an_unmasked_phone(web, orders_api):
    phone = "13912345678"
    secret = _dispatch(
        orders_api,
        confidential=True,
        caller={"name": "王秘密", "phone": phone, "language": "zh", "needs": ["elderly"]},
    )
    plain = _dispatch(
        orders_api, caller={"name": "李公开", "phone": "13987654321", "language": "zh", "needs": []}
    )
    user = web("handler.zjj@shijiazhuang")
    pages = [
        user.get(f"/dept/shijiazhuang/orders/{secret['id']}"),
        user.get(f"/dept/shijiazhuang/orders/{plain['id']}"),
        user.get("/dept/shijiazhuang/inbox?list=to_sign"),
        user.get("/dept/shijiazhuang/inbox?list=all"),
    ]
    html = "".join(text_of(p) for p in pages)
    assert all(p.status_code == 200 for p in pages)
    assert "王秘密" not in html and phone not in html and "5678" not in text_of(pages[0])
    assert "13987654321" not in html and "139****4321" in html  # masked, as the API shows it
    assert 'data-testid="caller-hidden"' in text_of(pages[0])
    assert "李公开" in text_of(pages[1])  # a plain caller's name, as the API shows departments
    assert not re.search(r"1[3-9]\d{9}", html)  # no full mobile number anywhere
    assert (
        user.post(
            f"/dept/shijiazhuang/orders/{plain['id']}/reveal", token_from="/dept/shijiazhuang/inbox"
        ).status_code
        == 403
    )


def test_desk_reveal_shows_the_phone_and_records_it(web, orders_api):
    phone = "13911112222"
    o = orders_api.create(caller={"name": "赵", "phone": phone, "language": "zh", "needs": []})
    user = web("dispatcher@shijiazhuang")
    page = text_of(user.get(f"/desk/shijiazhuang/orders/{o['id']}"))
    assert phone not in page and "139****2222" in page
    resp = user.post(
        f"/desk/shijiazhuang/orders/{o['id']}/reveal",
        headers={"HX-Request": "true"},
        token_from="/desk/shijiazhuang/orders",
    )
    assert resp.status_code == 200 and phone in text_of(resp)
    timeline = orders_api.client.get(
        orders_api.url(f"/{o['id']}/timeline"), headers=orders_api.auth("dispatcher@shijiazhuang")
    ).get_json()
    assert [e for e in timeline if e["action"] == "caller.phone_revealed"]
