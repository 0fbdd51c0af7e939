"""The city desk over HTTP: intake through the API's schema and service, lists, actions."""

from __future__ import annotations

import re

from .conftest import text_of

DESK = "/desk/shijiazhuang"


def _intake_form(**over):
    form = {
        "channel": "phone",
        "appeal_type": "complaint",
        "category_code": "0105",
        "title": "夜间施工噪音",
        "content": "工地每晚十一点后仍在施工，噪音扰民。",
        "caller.name": "张先生",
        "caller.phone": "13700001111",
        "caller.language": "zh",
        "caller.needs": ["elderly", "dialect"],
        "district_code": "",
        "address": "建华南大街88号",
        "action": "save",
    }
    form.update(over)
    return form


def test_intake_saves_an_order_through_the_intake_service(web, orders_api):
    user = web("agent@shijiazhuang")
    form = _intake_form(**{"caller.phone": "13700002222", "idempotency_key": "web-test-1"})
    resp = user.post(f"{DESK}/intake", form, token_from=f"{DESK}/intake")
    assert resp.status_code == 303
    order_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    data = orders_api.get(order_id).get_json()
    assert data["status"] == "received" and data["created_by"] == "agent@shijiazhuang"
    assert data["caller"]["needs"] == ["elderly", "dialect"] and data["caller"]["phone"] == "137****2222"
    page = text_of(user.get(resp.headers["Location"]))
    assert data["number"] in page and "已受理" in page
    again = user.post(f"{DESK}/intake", form, token_from=f"{DESK}/intake")  # double submit: same key
    assert again.headers["Location"] == resp.headers["Location"]


def test_intake_shows_the_schemas_errors_and_keeps_the_input(web):
    user = web("agent@shijiazhuang")
    form = _intake_form(appeal_type="nonsense", content="", **{"caller.phone": "12"})
    resp = user.post(f"{DESK}/intake", form, token_from=f"{DESK}/intake")
    assert resp.status_code == 422
    html = text_of(resp)
    assert 'id="appeal_type-error"' in html and 'id="content-error"' in html
    assert "建华南大街88号" in html  # the input is kept


def test_intake_of_a_major_category_is_refused_by_the_service(web):
    user = web("agent@shijiazhuang")
    resp = user.post(f"{DESK}/intake", _intake_form(category_code="01"), token_from=f"{DESK}/intake")
    assert resp.status_code == 422 and 'id="category_code-error"' in text_of(resp)


def test_repeat_warning_before_saving_and_merge_for_dispatchers(web, orders_api):
    first = orders_api.create(caller={"name": "钱", "phone": "13733334444", "language": "zh", "needs": []})
    agent = web("agent@shijiazhuang")
    token = agent.csrf(f"{DESK}/intake")
    warn = agent.client.post(
        f"{DESK}/intake/repeats", data={"caller.phone": "137 3333 4444"}, headers={"X-CSRFToken": token}
    )
    html = text_of(warn)
    assert 'data-testid="repeat-warning"' in html and first["number"] in html and "同一来电人" in html
    assert 'data-testid="merge-into"' not in html  # agents may not merge
    assert "13733334444" not in html
    nothing = agent.client.post(
        f"{DESK}/intake/repeats", data={"caller.phone": "13700000000"}, headers={"X-CSRFToken": token}
    )
    assert "repeat-warning" not in text_of(nothing)
    dispatcher = web("dispatcher@shijiazhuang")
    token = dispatcher.csrf(f"{DESK}/intake")
    html = text_of(
        dispatcher.client.post(
            f"{DESK}/intake/repeats", data={"caller.phone": "13733334444"}, headers={"X-CSRFToken": token}
        )
    )
    assert f'name="merge_into" value="{first["id"]}"' in html
    resp = dispatcher.post(
        f"{DESK}/intake",
        _intake_form(**{"caller.phone": "13733334444", "merge_into": first["id"]}),
        token_from=f"{DESK}/intake",
    )
    merged = orders_api.get(int(resp.headers["Location"].rsplit("/", 1)[1])).get_json()
    assert merged["status"] == "merged" and merged["merged_into_id"] == first["id"]


def test_direct_closure_from_the_intake_form(web, orders_api):
    user = web("agent@shijiazhuang")
    form = _intake_form(appeal_type="consultation", action="close", resolution="已告知办理地点和所需材料")
    resp = user.post(f"{DESK}/intake", form, token_from=f"{DESK}/intake")
    data = orders_api.get(int(resp.headers["Location"].rsplit("/", 1)[1])).get_json()
    assert data["status"] == "closed" and data["direct_closure"] is True
    missing = user.post(
        f"{DESK}/intake", _intake_form(action="close", resolution=""), token_from=f"{DESK}/intake"
    )
    assert missing.status_code == 422 and 'id="resolution-error"' in text_of(missing)


def test_city_supervisor_sees_the_desk_but_takes_no_calls(web):
    user = web("city_supervisor@shijiazhuang")
    assert user.get(f"{DESK}/orders").status_code == 200
    assert user.get(f"{DESK}/intake").status_code == 403


def test_category_picker_and_search(web):
    user = web("agent@shijiazhuang")
    picker = text_of(user.get(f"{DESK}/intake/categories?category_code=0105"))
    assert re.search(r'<option value="01" selected>', picker) and re.search(
        r'<option value="0105" selected>', picker
    )
    found = text_of(user.get(f"{DESK}/intake/category-search?q=施工扰民"))
    assert 'data-code="0105"' in found
    assert 'data-code="0105"' in text_of(user.get(f"{DESK}/intake/category-search?q=construction"))
    none = text_of(user.get(f"{DESK}/intake/category-search?q=zzzz"))
    assert "没有与" in none


def test_order_page_shows_only_the_allowed_actions_and_dispatch_prefilled(web, orders_api):
    o = orders_api.create(category_code="0105")
    dispatcher = text_of(web("dispatcher@shijiazhuang").get(f"{DESK}/orders/{o['id']}"))
    forms = set(re.findall(r'data-action="([a-z-]+)"', dispatcher))
    assert {"dispatch", "close", "merge", "transfer", "escalate"} <= forms
    assert "reply" not in forms and "callback" not in forms and "accept" not in forms
    assert 'data-testid="suggestion"' in dispatcher and re.search(
        r'<option value="\w+" selected>', dispatcher
    )
    agent = set(
        re.findall(
            r'data-action="([a-z-]+)"', text_of(web("agent@shijiazhuang").get(f"{DESK}/orders/{o['id']}"))
        )
    )
    assert agent == {"classify", "close", "escalate"}  # reclassify before dispatch


def test_actions_keep_the_apis_409_412_and_403(web, orders_api):
    o = orders_api.create()
    user = web("dispatcher@shijiazhuang")
    url = f"{DESK}/orders/{o['id']}/act"
    ok = user.post(
        f"{url}/dispatch",
        {"lead_department": "zjj", "assist_departments": ["cgj"], "version": o["version"]},
        token_from=f"{DESK}/orders",
    )
    assert ok.status_code == 303
    stale = user.post(
        f"{url}/close", {"resolution": "x", "version": o["version"]}, token_from=f"{DESK}/orders"
    )
    assert stale.status_code == 412 and 'data-status="412"' in text_of(stale)
    current = orders_api.get(o["id"]).get_json()
    wrong_state = user.post(
        f"{url}/close", {"resolution": "x", "version": current["version"]}, token_from=f"{DESK}/orders"
    )
    assert wrong_state.status_code == 409 and 'data-status="409"' in text_of(wrong_state)
    agent = web("agent@shijiazhuang")
    denied = agent.post(
        f"{url}/reopen", {"reason": "x", "version": current["version"]}, token_from=f"{DESK}/orders"
    )
    assert denied.status_code == 403
    bad = user.post(
        f"{url}/dispatch", {"lead_department": "", "version": current["version"]}, token_from=f"{DESK}/orders"
    )
    assert bad.status_code == 422  # the body schema speaks first, as in the API
    unknown = user.post(f"{url}/fly", {"version": 1}, token_from=f"{DESK}/orders")
    assert unknown.status_code == 404
    assert orders_api.get(o["id"]).get_json()["status"] == "dispatched"


def test_dispatch_form_errors_are_shown_on_the_order_page(web, orders_api):
    o = orders_api.create()
    user = web("dispatcher@shijiazhuang")
    resp = user.post(
        f"{DESK}/orders/{o['id']}/act/dispatch",
        {"lead_department": "nosuch", "version": o["version"]},
        token_from=f"{DESK}/orders",
    )
    assert resp.status_code == 422
    html = text_of(resp)
    assert '<details data-action="dispatch" open' in html and "nosuch" in html


def test_lists_filter_paginate_and_refuse_bad_input(web, orders_api):
    for _ in range(3):
        orders_api.create(category_code="0105")
    user = web("dispatcher@shijiazhuang")
    page = text_of(user.get(f"{DESK}/orders?list=to_dispatch&page_size=20"))
    assert page.count("data-order=") >= 3
    one = text_of(user.get(f"{DESK}/orders?list=all&page_size=20&page=1&category_code=0105&status=received"))
    assert "data-order=" in one
    assert user.get(f"{DESK}/orders?page=0").status_code == 400
    assert user.get(f"{DESK}/orders?page=999999999").status_code == 400
    assert user.get(f"{DESK}/orders?status=nonsense").status_code == 400
    assert user.get(f"{DESK}/orders?list=nonsense").status_code == 404
    far = user.get(f"{DESK}/orders?page=5000")
    assert far.status_code == 200 and "此列表暂无工单" in text_of(far)
    partial = user.get(f"{DESK}/orders?list=all", headers={"HX-Request": "true", "HX-Target": "order-table"})
    assert text_of(partial).lstrip().startswith('<div id="order-table"')


def test_pagination_links_keep_the_filters(web, orders_api):
    for _ in range(21):
        orders_api.create(district_code=None)
    html = text_of(web("dispatcher@shijiazhuang").get(f"{DESK}/orders?list=all&page_size=20&status=received"))
    assert 'rel="next"' in html
    nxt = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "status=received" in nxt and "page=2" in nxt and "page_size=20" in nxt


def test_alerts_fragment_counts_the_lists(web, orders_api):
    orders_api.create()
    html = text_of(web("dispatcher@shijiazhuang").get(f"{DESK}/alerts"))
    assert 'data-testid="alert-to-dispatch"' in html


def test_escalation_and_cross_city_transfer_from_the_order_page(web, orders_api):
    user = web("dispatcher@shijiazhuang")
    o = orders_api.create()
    page = text_of(user.get(f"{DESK}/orders/{o['id']}"))
    assert 'value="tangshan"' in page and 'value="shijiazhuang"' not in page  # other cities only
    resp = user.post(
        f"{DESK}/orders/{o['id']}/act/escalate",
        {"target": "119", "reason": "疑似燃气泄漏", "version": o["version"]},
        token_from=f"{DESK}/orders",
    )
    assert resp.status_code == 303
    after = orders_api.get(o["id"]).get_json()
    assert after["status"] == "transferred" and after["transferred_to"] == "119"
    o = orders_api.create()
    resp = user.post(
        f"{DESK}/orders/{o['id']}/act/transfer",
        {"to_tenant": "tangshan", "reason": "事发地在唐山", "version": o["version"]},
        token_from=f"{DESK}/orders",
    )
    assert resp.status_code == 303
    assert orders_api.get(o["id"]).get_json()["transferred_to"] == "tangshan"
    o = orders_api.create()
    own = user.post(
        f"{DESK}/orders/{o['id']}/act/transfer",
        {"to_tenant": "shijiazhuang", "reason": "x", "version": o["version"]},
        token_from=f"{DESK}/orders",
    )
    assert own.status_code == 409


def test_return_and_its_review(web, orders_api):
    o = orders_api.create()
    o = orders_api.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "zjj"})
    lead = web("handler.zjj@shijiazhuang")
    resp = lead.post(
        f"/dept/shijiazhuang/orders/{o['id']}/act/return",
        {"reason": "不属于本单位职责", "version": o["version"]},
        token_from="/dept/shijiazhuang/inbox",
    )
    assert resp.status_code == 303
    dispatcher = web("dispatcher@shijiazhuang")
    assert o["number"] in text_of(dispatcher.get(f"{DESK}/orders?list=returned"))
    o = orders_api.get(o["id"]).get_json()
    forms = set(re.findall(r'data-action="([a-z-]+)"', text_of(dispatcher.get(f"{DESK}/orders/{o['id']}"))))
    assert {"reject-return", "dispatch", "transfer"} <= forms
    resp = dispatcher.post(
        f"{DESK}/orders/{o['id']}/act/reject-return",
        {"reason": "属于住建职责", "version": o["version"]},
        token_from=f"{DESK}/orders",
    )
    assert resp.status_code == 303 and orders_api.get(o["id"]).get_json()["status"] == "dispatched"


def test_supervision_by_the_city_supervisor_answered_by_the_dispatcher(web, orders_api):
    o = orders_api.create()
    supervisor = web("city_supervisor@shijiazhuang")
    resp = supervisor.post(
        f"{DESK}/orders/{o['id']}/act/supervise",
        {"note": "请加快办理", "version": o["version"]},
        token_from=f"{DESK}/orders",
    )
    assert resp.status_code == 303
    dispatcher = web("dispatcher@shijiazhuang")
    page = text_of(dispatcher.get(f"{DESK}/orders/{o['id']}"))
    assert 'data-testid="supervisions"' in page and "请加快办理" in page
    sid = re.search(r"/supervisions/(\d+)/answer", page).group(1)
    empty = dispatcher.post(
        f"{DESK}/orders/{o['id']}/supervisions/{sid}/answer", {"answer": ""}, token_from=f"{DESK}/orders"
    )
    assert empty.status_code == 422
    resp = dispatcher.post(
        f"{DESK}/orders/{o['id']}/supervisions/{sid}/answer",
        {"answer": "已督促住建局"},
        token_from=f"{DESK}/orders",
    )
    assert resp.status_code == 303
    assert "已督促住建局" in text_of(dispatcher.get(f"{DESK}/orders/{o['id']}"))
    again = dispatcher.post(
        f"{DESK}/orders/{o['id']}/supervisions/{sid}/answer", {"answer": "x"}, token_from=f"{DESK}/orders"
    )
    assert again.status_code == 409
