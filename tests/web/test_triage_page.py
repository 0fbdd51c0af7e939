"""The desk's triage page: channel orders without a category, classified with one click."""

from __future__ import annotations

from .conftest import text_of

DESK = "/desk/shijiazhuang"
NOISE = "我家小区旁边的工地每天晚上十二点还在施工打桩，吵得睡不着觉"


def _channel_order(orders_api, **over):
    body = {"channel": "sms", "category_code": None, "title": "工地夜间施工", "caller": {}, "content": NOISE}
    return orders_api.create(**{**body, **over})


def test_a_suggestion_classifies_the_order_and_it_leaves_the_queue(web, orders_api):
    order = _channel_order(orders_api)
    user = web("dispatcher@shijiazhuang")
    html = text_of(user.get(f"{DESK}/triage"))
    assert order["number"] in html and 'data-testid="classify-suggested"' in html
    assert 'value="0105"' in html  # the noise complaint's leaf is among the suggestions
    resp = user.post(
        f"{DESK}/orders/{order['id']}/act/classify",
        {"category_code": "0105", "version": order["version"], "return_to": "triage"},
        token_from=f"{DESK}/triage",
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"{DESK}/triage")
    assert orders_api.get(order["id"]).get_json()["category_code"] == "0105"
    assert order["number"] not in text_of(user.get(f"{DESK}/triage"))


def test_the_other_list_goes_through_the_same_rules(web, orders_api):
    order = _channel_order(orders_api, channel="web")
    user = web("agent@shijiazhuang")
    major = user.post(
        f"{DESK}/orders/{order['id']}/act/classify",
        {"other_category": "01", "use_other": "1", "version": order["version"], "return_to": "triage"},
        token_from=f"{DESK}/triage",
    )
    assert major.status_code == 422 and 'id="category_code-error"' in text_of(major)
    assert orders_api.get(order["id"]).get_json()["category_code"] is None  # nothing changed
    stale = user.post(
        f"{DESK}/orders/{order['id']}/act/classify",
        {"other_category": "0105", "use_other": "1", "version": order["version"] + 5},
        token_from=f"{DESK}/triage",
    )
    assert stale.status_code == 412
    ok = user.post(
        f"{DESK}/orders/{order['id']}/act/classify",
        {"other_category": "0105", "use_other": "1", "version": order["version"]},
        token_from=f"{DESK}/triage",
    )
    assert ok.status_code == 303 and ok.headers["Location"].endswith(f"/orders/{order['id']}")


def test_the_order_page_offers_classify_with_the_suggestion_preselected(web, orders_api):
    order = _channel_order(orders_api, channel="app")
    page = text_of(web("dispatcher@shijiazhuang").get(f"{DESK}/orders/{order['id']}"))
    assert 'data-action="classify"' in page and 'data-testid="triage-suggestion"' in page
    assert '<option value="0105" selected>' in page


def test_triage_is_for_the_desk_of_the_own_city_only(web, orders_api):
    _channel_order(orders_api)
    assert web("handler.zjj@shijiazhuang").get(f"{DESK}/triage").status_code == 403
    assert web("agent@tangshan").get(f"{DESK}/triage").status_code == 403
    nav = text_of(web("agent@shijiazhuang").get(f"{DESK}/orders"))
    assert f'href="{DESK}/triage"' in nav
