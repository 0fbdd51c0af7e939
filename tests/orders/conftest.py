"""Helpers to drive orders through the HTTP API as the demo users of two cities."""

from __future__ import annotations

import itertools

import pytest

_phones = itertools.count(13800000000 + 137)


def new_phone() -> str:
    return str(next(_phones))


class OrdersApi:
    def __init__(self, client, auth_headers, tenant: str = "shijiazhuang"):
        self.client, self.auth, self.tenant = client, auth_headers, tenant

    def url(self, suffix: str = "", tenant: str | None = None) -> str:
        return f"/api/v1/tenants/{tenant or self.tenant}/orders{suffix}"

    def user(self, role: str, tenant: str | None = None) -> str:
        return role if role.startswith("province.") else f"{role}@{tenant or self.tenant}"

    def intake_body(self, **overrides):
        from app.catalog import service as catalog
        from tenants import tenant_context

        with tenant_context(self.tenant):
            leaves = [c for c in catalog.list_categories() if c.is_leaf and c.active]
        body = {
            "channel": "phone",
            "appeal_type": "complaint",
            "category_code": "0105" if any(c.code == "0105" for c in leaves) else leaves[0].code,
            "title": "小区夜间施工噪音扰民",
            "content": "裕华区建华小区东侧工地每晚十一点后仍在施工，噪音很大，影响休息，希望尽快处理。",
            "caller": {"name": "张先生", "phone": new_phone(), "language": "zh", "needs": []},
            "address": "建华南大街88号",
        }
        body.update(overrides)
        return body

    def intake(self, role: str = "agent", headers=None, tenant: str | None = None, **overrides):
        resp = self.client.post(
            self.url(tenant=tenant),
            json=self.intake_body(**overrides),
            headers={**self.auth(self.user(role, tenant)), **(headers or {})},
        )
        return resp

    def create(self, **overrides) -> dict:
        resp = self.intake(**overrides)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    def get(self, order_id: int, role: str = "dispatcher", query: str = "", tenant: str | None = None):
        return self.client.get(
            self.url(f"/{order_id}{query}", tenant), headers=self.auth(self.user(role, tenant))
        )

    def act(self, order_id: int, action: str, role: str, body=None, if_match=None, tenant: str | None = None):
        headers = dict(self.auth(self.user(role, tenant)))
        if if_match is not None:
            headers["If-Match"] = if_match
        return self.client.post(self.url(f"/{order_id}/{action}", tenant), json=body or {}, headers=headers)

    def ok(self, order_id: int, action: str, role: str, body=None) -> dict:
        resp = self.act(order_id, action, role, body)
        assert resp.status_code == 200, (action, role, resp.get_json())
        return resp.get_json()

    # -- driving an order to a state ------------------------------------------------------------
    def to_state(self, state: str) -> dict:
        o = self.create()
        oid = o["id"]
        if state == "received":
            return o
        if state == "closed":
            return self.ok(oid, "close", "agent", {"resolution": "已电话解释"})
        if state in ("merged", "transferred"):
            other = self.create()
            if state == "merged":
                return self.ok(oid, "merge", "dispatcher", {"into": other["id"]})
            return self.ok(oid, "escalate", "agent", {"target": "110"})
        o = self.ok(oid, "dispatch", "dispatcher", {"lead_department": "zjj", "assist_departments": ["cgj"]})
        if state == "dispatched":
            return o
        if state == "returned":
            return self.ok(oid, "return", "handler.zjj", {"reason": "不属于本单位职责"})
        o = self.ok(oid, "accept", "handler.zjj")
        if state == "in_progress":
            return o
        o = self.ok(oid, "reply", "handler.zjj", {"content": "已责令停工", "outcome": "resolved"})
        if state == "replied":
            return o
        self.ok(oid, "close", "dispatcher", {"resolution": "已办结"})
        if state == "reopened":
            return self.ok(oid, "reopen", "dispatcher", {"reason": "回访不满意"})
        raise ValueError(state)


@pytest.fixture
def orders(client, auth_headers, two_tenants):
    return OrdersApi(client, auth_headers)
