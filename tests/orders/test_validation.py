"""Bad input gets a clear 4xx with a message and changes nothing; no input gets a 5xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.orders.models import Order
from tenants import db, tenant_context
from tests.orders.conftest import OrdersApi


def _count() -> int:
    with tenant_context("shijiazhuang"):
        return db.session.scalar(select(func.count()).select_from(Order))


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"channel": "fax"}, "channel"),
        ({"appeal_type": "rant"}, "appeal_type"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"content": ""}, "content"),
        ({"category_code": "9999"}, "category_code"),
        ({"category_code": "01"}, "category_code"),  # a major, not a leaf
        ({"category_code": "bad code!"}, "category_code"),
        ({"district_code": "000000"}, "district_code"),
        ({"caller": {"phone": "12"}}, "caller"),
        ({"caller": {"needs": ["vip"]}}, "caller"),
        ({"location": {"lat": 123, "lng": 0}}, "location"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_bad_intake_is_422_with_the_field_named(app_ctx, orders: OrdersApi, overrides, field):
    before = _count()
    resp = orders.intake(**overrides)
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert body["message"] and field in str(body.get("errors", {})) + body["message"]
    assert _count() == before


def test_bad_action_bodies_are_422(orders: OrdersApi):
    o = orders.create()
    assert orders.act(o["id"], "dispatch", "dispatcher", {}).status_code == 422
    r = orders.act(o["id"], "dispatch", "dispatcher", {"lead_department": "nosuchdept"})
    assert r.status_code == 422 and "nosuchdept" in r.get_json()["message"]
    assert orders.act(o["id"], "merge", "dispatcher", {"into": 999999999}).status_code == 422
    assert orders.act(o["id"], "merge", "dispatcher", {"into": o["id"]}).status_code == 409
    assert (
        orders.act(o["id"], "transfer", "dispatcher", {"to_tenant": "atlantis", "reason": "x"}).status_code
        == 422
    )
    assert (
        orders.act(
            o["id"], "transfer", "dispatcher", {"to_tenant": "shijiazhuang", "reason": "x"}
        ).status_code
        == 409
    )
    assert orders.act(o["id"], "escalate", "agent", {"target": "911"}).status_code == 422
    assert orders.get(o["id"]).get_json()["version"] == 1


def test_unknown_order_action_and_tenant(orders: OrdersApi):
    assert orders.get(987654321).status_code == 404
    assert orders.act(987654321, "dispatch", "dispatcher", {"lead_department": "zjj"}).status_code == 404
    o = orders.create()
    assert orders.act(o["id"], "explode", "dispatcher", {}).status_code in (404, 405)
    assert (
        orders.client.get(
            "/api/v1/tenants/atlantis/orders", headers=orders.auth("province.admin")
        ).status_code
        == 404
    )
    assert (
        orders.client.get(
            orders.url("?page_size=1000"), headers=orders.auth("dispatcher@shijiazhuang")
        ).status_code
        == 422
    )
    assert (
        orders.client.get(
            orders.url("?created_from=notadate"), headers=orders.auth("dispatcher@shijiazhuang")
        ).status_code
        == 422
    )


def test_non_json_bodies(orders: OrdersApi):
    headers = orders.auth("agent@shijiazhuang")
    for data, ctype in (
        ("not json", "application/json"),
        ("[1,2]", "application/json"),
        ("a=b", "text/plain"),
    ):
        resp = orders.client.post(orders.url(), data=data, content_type=ctype, headers=headers)
        assert 400 <= resp.status_code < 500, (data, resp.status_code)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.dictionaries(
        st.sampled_from(
            [
                "channel",
                "appeal_type",
                "category_code",
                "urgency",
                "title",
                "content",
                "caller",
                "confidential",
                "address",
                "district_code",
                "location",
            ]
        ),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.text(max_size=50),
            st.lists(st.text(max_size=5), max_size=3),
            st.dictionaries(st.text(max_size=5), st.text(max_size=5)),
        ),
    )
)
def test_no_intake_body_causes_a_5xx(orders: OrdersApi, body):
    resp = orders.client.post(orders.url(), json=body, headers=orders.auth("agent@shijiazhuang"))
    assert resp.status_code < 500, (body, resp.get_json())


def test_a_retired_category_is_refused_at_once(orders: OrdersApi):
    """Intake memoizes catalog look-ups; an edit in this process drops the memo immediately."""
    sup = orders.auth("city_supervisor@shijiazhuang")
    body = {"code": "0299", "name": "临时类别", "name_en": "Temporary", "parent_code": "02"}
    assert (
        orders.client.post(orders.url().replace("/orders", "/categories"), json=body, headers=sup).status_code
        == 201
    )
    assert orders.intake(category_code="0299").status_code == 201  # memoized as a valid leaf now
    retire = orders.client.patch(
        orders.url().replace("/orders", "/categories/0299"), json={"active": False}, headers=sup
    )
    assert retire.status_code == 200
    refused = orders.intake(category_code="0299")
    assert refused.status_code == 422 and "0299" in refused.get_json()["message"]
