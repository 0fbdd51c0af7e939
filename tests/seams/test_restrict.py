"""restrict(principal, permission): the matrix and the row scope in one call, for every role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.policy import MATRIX, PermissionDenied
from app.auth.principal import Role
from app.auth.scope import ORDER_ROWS, restrict
from app.errors import Forbidden
from app.orders import actions
from app.orders.models import Order
from tenants import db, tenant_context

from .conftest import SJZ, principal

ALL_ROLES = sorted(Role.ALL)


@pytest.fixture(scope="module")
def three_orders(app, two_tenants, auth_headers):
    """One order assigned to zjj (lead) and cgj (assist), one to rsj, one filed by the city's API client."""
    from tests.orders.conftest import OrdersApi

    api = OrdersApi(app.test_client(), auth_headers)
    zjj = api.ok(
        api.create()["id"],
        "dispatch",
        "dispatcher",
        {"lead_department": "zjj", "assist_departments": ["cgj"]},
    )
    rsj = api.ok(api.create()["id"], "dispatch", "dispatcher", {"lead_department": "rsj"})
    resp = api.client.post(api.url(), json=api.intake_body(), headers=auth_headers(f"client.app@{SJZ}"))
    assert resp.status_code == 201, resp.get_json()
    return {"zjj": zjj["id"], "rsj": rsj["id"], "client": resp.get_json()["id"]}


def _visible(p, ids: dict[str, int], permission: str = "orders.read", **kw) -> set[str]:
    with tenant_context(SJZ):
        stmt = restrict(p, permission, select(Order.id).where(Order.id.in_(ids.values())), **kw)
        found = set(db.session.scalars(stmt))
    return {name for name, oid in ids.items() if oid in found}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_has_a_row_scope_and_the_matrix_decides_first(app_ctx, role):
    assert role in ORDER_ROWS  # no role falls through to "everything" by accident
    p = principal(role)
    for permission, roles in MATRIX.items():
        if not permission.startswith("orders."):
            continue
        if role in roles:
            restrict(p, permission)  # a select, no exception
        else:
            with pytest.raises(PermissionDenied):
                restrict(p, permission)


@pytest.mark.parametrize(
    ("role", "department", "expected"),
    [
        (Role.AGENT, None, {"zjj", "rsj", "client"}),
        (Role.DISPATCHER, None, {"zjj", "rsj", "client"}),
        (Role.CITY_SUPERVISOR, None, {"zjj", "rsj", "client"}),
        (Role.PROVINCE_SUPERVISOR, None, {"zjj", "rsj", "client"}),
        (Role.PROVINCE_ADMIN, None, {"zjj", "rsj", "client"}),
        (Role.HANDLER, "zjj", {"zjj"}),
        (Role.HANDLER, "cgj", {"zjj"}),  # assisting departments see the order too
        (Role.HANDLER, "rsj", {"rsj"}),
        (Role.HANDLER, None, set()),  # a handler without a department sees nothing
        (Role.API_CLIENT, None, {"client"}),
        (Role.EMERGENCY_SYSTEM, None, set()),  # another system's orders are not its own
    ],
)
def test_rows_each_role_may_read(app_ctx, three_orders, role, department, expected):
    username = f"client.app@{SJZ}" if role == Role.API_CLIENT else None
    assert _visible(principal(role, department=department, username=username), three_orders) == expected


def test_department_scoped_rows_need_an_active_assignment_of_the_callers_department(app_ctx, three_orders):
    lead = principal(Role.HANDLER, department="zjj")
    assert _visible(lead, three_orders, "orders.handle", department_scoped=True) == {"zjj"}
    other = principal(Role.HANDLER, department="rsj")
    assert _visible(other, three_orders, "orders.handle", department_scoped=True) == {"rsj"}
    # department scope narrows any role: a dispatcher (who sees everything) has no department
    assert (
        _visible(principal(Role.DISPATCHER), three_orders, "orders.dispatch", department_scoped=True) == set()
    )


def test_a_department_scoped_action_refuses_a_handler_of_another_department(app_ctx, three_orders):
    """``accept`` is department-scoped: the handler of rsj may not sign for zjj's order (403, nothing changes)."""
    oid = three_orders["zjj"]
    with tenant_context(SJZ):
        before = db.session.get(Order, oid).version
        with pytest.raises(Forbidden):
            actions.perform(principal(Role.HANDLER, department="rsj"), oid, "accept", {})
        db.session.rollback()
        assert db.session.get(Order, oid, populate_existing=True).version == before


def test_a_department_whose_assignment_ended_may_read_but_not_act(app_ctx, orders):
    """Re-dispatch from zjj to cgj: zjj still sees the order (it was assigned), but may no longer act on it."""
    o = orders.to_state("returned")  # dispatched to zjj (lead) and cgj, returned by zjj
    orders.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "rsj"})
    zjj = principal(Role.HANDLER, department="zjj")
    ids = {"order": o["id"]}
    assert _visible(zjj, ids) == {"order"}
    assert _visible(zjj, ids, "orders.handle", department_scoped=True) == set()
    with tenant_context(SJZ), pytest.raises(Forbidden):
        actions.perform(zjj, o["id"], "accept", {})


@pytest.fixture
def probe_action():
    """A department-scoped action whose handler checks nothing itself: only ``perform`` can refuse."""
    from app.orders.workflow import ACTIONS, STATES, Action

    ran: list[int] = []
    ACTIONS["seams-probe"] = Action(
        "seams-probe", "orders.handle", STATES, None, "probe", department_scoped=True
    )
    actions._handlers["seams-probe"] = lambda ctx: ran.append(ctx.order.id)
    yield ran
    del ACTIONS["seams-probe"], actions._handlers["seams-probe"]


def test_department_scope_is_enforced_by_perform_not_by_each_handler(app_ctx, orders, probe_action):
    o = orders.to_state("returned")
    orders.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "rsj"})  # zjj's assignment ends
    with tenant_context(SJZ):
        with pytest.raises(Forbidden, match="not assigned to this order"):
            actions.perform(principal(Role.HANDLER, department="zjj"), o["id"], "seams-probe", {})
        db.session.rollback()
        assert probe_action == []
        actions.perform(principal(Role.HANDLER, department="rsj"), o["id"], "seams-probe", {})
        db.session.rollback()
        assert probe_action == [o["id"]]


def test_restrict_knows_only_resources_with_a_row_scope(app_ctx):
    with pytest.raises(LookupError):
        restrict(principal(Role.CITY_SUPERVISOR), "catalog.manage")
    with pytest.raises(KeyError):
        restrict(principal(Role.AGENT), "orders.no_such_permission")
