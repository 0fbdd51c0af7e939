"""Every forbidden transition: 409 for a wrong state, 403 for a wrong role or department; nothing changes."""

from __future__ import annotations

import pytest

from app.auth.policy import MATRIX
from app.orders.workflow import ACTIONS, STATES
from tests.orders.conftest import OrdersApi

BODIES = {
    "classify": {"category_code": "0105"},
    "dispatch": {"lead_department": "zjj"},
    "accept": {},
    "assist-reply": {"content": "协办意见"},
    "return": {"reason": "不属于本单位"},
    "reject-return": {"reason": "属于你单位"},
    "request-extension": {"working_days": 1, "reason": "需要更多时间"},
    "approve-extension": {"note": "同意"},
    "reject-extension": {"note": "不同意"},
    "reply": {"content": "已处理", "outcome": "resolved"},
    "reject-reply": {"reason": "不完整"},
    "close": {"resolution": "已办结"},
    "callback": {"satisfaction": "satisfied", "resolved": True},
    "reopen": {"reason": "未解决"},
    "supervise": {"note": "督办"},
    "merge": {"into": 1},
    "transfer": {"to_tenant": "tangshan", "reason": "属地"},
    "escalate": {"target": "110"},
}
ROLE_USERS = {
    "agent": "agent",
    "dispatcher": "dispatcher",
    "handler": "handler.zjj",
    "city_supervisor": "city_supervisor",
    "province_supervisor": "province.supervisor",
    "province_admin": "province.admin",
}
ALLOWED_USER = {
    name: next(u for r, u in ROLE_USERS.items() if r in MATRIX[a.permission]) for name, a in ACTIONS.items()
}


@pytest.fixture(scope="module")
def by_state(request):
    return {}


def _order_in(orders: OrdersApi, cache: dict, state: str) -> dict:
    if state not in cache:
        cache[state] = orders.to_state(state)
    return cache[state]


@pytest.mark.parametrize("state", STATES)
def test_actions_from_a_wrong_state_are_409_and_change_nothing(orders: OrdersApi, by_state, state):
    order = _order_in(orders, by_state, state)
    zjj_assigned = any(a["department_code"] == "zjj" and a["active"] for a in order["assignments"])
    for name, action in ACTIONS.items():
        if state in action.from_states:
            continue
        resp = orders.act(order["id"], name, ALLOWED_USER[name], BODIES[name])
        if action.department_scoped and not zjj_assigned:
            # a department never assigned to the order is refused before the state is considered
            assert resp.status_code == 403, (state, name, resp.get_json())
            continue
        assert resp.status_code == 409, (state, name, resp.get_json())
        assert "cannot" in resp.get_json()["message"]
    after = orders.get(order["id"]).get_json()
    assert after["version"] == order["version"] and after["status"] == state


@pytest.mark.parametrize("name", list(ACTIONS))
def test_roles_without_the_permission_get_403_and_change_nothing(orders: OrdersApi, by_state, name):
    action = ACTIONS[name]
    state = action.from_states[0] if name != "callback" else "closed"
    if name in ("approve-extension", "reject-extension", "assist-reply", "reject-reply", "reject-return"):
        state = {"reject-reply": "replied", "reject-return": "returned"}.get(name, "in_progress")
    order = _order_in(orders, by_state, state)
    for role, user in ROLE_USERS.items():
        if role in MATRIX[action.permission]:
            continue
        resp = orders.act(order["id"], name, user, BODIES[name])
        assert resp.status_code == 403, (name, role, resp.get_json())
    after = orders.get(order["id"]).get_json()
    assert after["version"] == order["version"]


@pytest.mark.parametrize("name", [n for n, a in ACTIONS.items() if a.department_scoped])
def test_handlers_of_unassigned_departments_get_403(orders: OrdersApi, by_state, name):
    state = "dispatched" if name == "accept" else "in_progress"
    order = _order_in(orders, by_state, state)
    resp = orders.act(order["id"], name, "handler.rsj", BODIES[name])
    assert resp.status_code == 403, resp.get_json()
    assert orders.get(order["id"]).get_json()["version"] == order["version"]


def test_assisting_department_cannot_reply_for_the_lead(orders: OrdersApi):
    order = orders.to_state("in_progress")
    orders.ok(order["id"], "accept", "handler.cgj")
    for name in ("reply", "request-extension", "return"):
        assert orders.act(order["id"], name, "handler.cgj", BODIES[name]).status_code == 403


def test_other_city_cannot_act(orders: OrdersApi):
    order = orders.to_state("received")
    for role in ("dispatcher", "agent", "city_supervisor", "handler.zjj"):
        resp = orders.client.post(
            orders.url(f"/{order['id']}/dispatch"),
            json=BODIES["dispatch"],
            headers=orders.auth(f"{role}@tangshan"),
        )
        assert resp.status_code == 403
    assert orders.get(order["id"]).get_json()["version"] == 1
