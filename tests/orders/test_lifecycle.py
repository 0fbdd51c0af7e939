"""Every transition (docs/architecture.md §4) with the right roles, through the HTTP API."""

from __future__ import annotations

import re
from datetime import datetime

from tests.orders.conftest import OrdersApi


def test_full_lifecycle_with_parallel_handling(orders: OrdersApi):
    o = orders.create()
    assert re.fullmatch(r"SJZ-\d{8}-\d{6,}", o["number"])
    assert o["status"] == "received" and o["due_at"] and o["version"] == 1
    oid = o["id"]

    o = orders.ok(
        oid,
        "dispatch",
        "dispatcher",
        {"lead_department": "zjj", "assist_departments": ["cgj"], "note": "请住建局牵头，城管协办"},
    )
    assert o["status"] == "dispatched" and o["lead_department"] == "zjj"
    assert {(a["department_code"], a["role"], a["status"]) for a in o["assignments"]} == {
        ("zjj", "lead", "pending"),
        ("cgj", "assist", "pending"),
    }
    assert o["accept_due_at"] and o["return_due_at"]

    o = orders.ok(oid, "accept", "handler.cgj")  # assisting sign-for: order still awaits the lead
    assert o["status"] == "dispatched"
    o = orders.ok(oid, "accept", "handler.zjj")
    assert o["status"] == "in_progress" and o["accepted_at"]

    o = orders.ok(oid, "assist-reply", "handler.cgj", {"content": "已到现场核查，夜间施工属实"})
    assist = next(a for a in o["assignments"] if a["department_code"] == "cgj")
    assert assist["status"] == "replied" and assist["reply_content"].startswith("已到现场")

    due = datetime.fromisoformat(o["due_at"])
    o = orders.ok(
        oid, "request-extension", "handler.zjj", {"working_days": 3, "reason": "需协调施工单位整改"}
    )
    assert o["extension_pending"] is True and o["status"] == "in_progress"
    o = orders.ok(oid, "approve-extension", "dispatcher", {"note": "同意"})
    assert o["extension_pending"] is False and datetime.fromisoformat(o["due_at"]) > due

    o = orders.ok(oid, "reply", "handler.zjj", {"content": "已责令夜间停工", "outcome": "resolved"})
    assert o["status"] == "replied" and o["reply_outcome"] == "resolved"
    o = orders.ok(oid, "reject-reply", "dispatcher", {"reason": "答复过于简单"})
    assert o["status"] == "in_progress"
    o = orders.ok(oid, "reply", "handler.zjj", {"content": "已责令停工并处罚款", "outcome": "resolved"})
    o = orders.ok(oid, "close", "dispatcher", {"resolution": "已办结"})
    assert o["status"] == "closed" and o["direct_closure"] is False and o["closed_at"]

    o = orders.ok(
        oid, "callback", "agent", {"satisfaction": "dissatisfied", "resolved": False, "note": "仍有噪音"}
    )
    assert o["status"] == "closed" and o["satisfaction"] == "dissatisfied" and o["resolved"] is False
    o = orders.ok(oid, "reopen", "dispatcher", {"reason": "回访不满意，重办"})
    assert o["status"] == "reopened" and o["reopen_count"] == 1
    o = orders.ok(oid, "dispatch", "dispatcher", {"lead_department": "cgj"})
    assert o["status"] == "dispatched"
    assert [a["department_code"] for a in o["assignments"] if a["active"]] == ["cgj"]

    timeline = orders.client.get(
        orders.url(f"/{oid}/timeline"), headers=orders.auth("dispatcher@shijiazhuang")
    )
    actions = [e["action"] for e in timeline.get_json()]
    assert actions == [
        "order.received",
        "order.dispatch",
        "order.accept",
        "order.accept",
        "order.assist-reply",
        "order.request-extension",
        "order.approve-extension",
        "order.reply",
        "order.reject-reply",
        "order.reply",
        "order.close",
        "order.callback",
        "order.reopen",
        "order.dispatch",
    ]
    assert all(e["actor"] for e in timeline.get_json())


def test_direct_closure(orders: OrdersApi):
    o = orders.create(appeal_type="consultation")
    o = orders.ok(o["id"], "close", "agent", {"resolution": "已根据知识库当场解答"})
    assert o["status"] == "closed" and o["direct_closure"] is True


def test_return_and_reject_return(orders: OrdersApi):
    o = orders.to_state("dispatched")
    assert orders.act(o["id"], "return", "handler.cgj", {"reason": "x"}).status_code == 403  # assists can't
    o = orders.ok(o["id"], "return", "handler.zjj", {"reason": "应由城管局办理"})
    assert o["status"] == "returned" and o["return_count"] == 1
    o = orders.ok(o["id"], "reject-return", "dispatcher", {"reason": "属于住建局职责"})
    assert o["status"] == "dispatched"
    lead = next(a for a in o["assignments"] if a["role"] == "lead" and a["active"])
    assert lead["department_code"] == "zjj" and lead["status"] == "pending"
    # or re-dispatch a returned order to another department
    o = orders.ok(o["id"], "return", "handler.zjj", {"reason": "确非本单位"})
    o = orders.ok(o["id"], "dispatch", "dispatcher", {"lead_department": "cgj"})
    assert o["lead_department"] == "cgj"


def test_reject_extension_keeps_deadline(orders: OrdersApi):
    o = orders.to_state("in_progress")
    orders.ok(o["id"], "request-extension", "handler.zjj", {"working_days": 2, "reason": "等待检测结果"})
    assert (
        orders.act(
            o["id"], "request-extension", "handler.zjj", {"working_days": 2, "reason": "again"}
        ).status_code
        == 409
    )
    after = orders.ok(o["id"], "reject-extension", "dispatcher", {"note": "请按期办结"})
    assert after["due_at"] == o["due_at"] and after["extension_pending"] is False
    assert orders.act(o["id"], "approve-extension", "dispatcher", {}).status_code == 409


def test_supervise_merge_transfer_escalate(orders: OrdersApi):
    o = orders.to_state("in_progress")
    s = orders.ok(o["id"], "supervise", "city_supervisor", {"note": "请加快办理"})
    assert s["status"] == "in_progress"
    s = orders.ok(o["id"], "supervise", "province.supervisor", {"note": "省级督办"})
    dup, keep = orders.create(), orders.create()
    merged = orders.ok(dup["id"], "merge", "dispatcher", {"into": keep["id"]})
    assert merged["status"] == "merged" and merged["merged_into_id"] == keep["id"]
    t = orders.ok(
        orders.create()["id"], "transfer", "dispatcher", {"to_tenant": "tangshan", "reason": "属唐山市"}
    )
    assert t["status"] == "transferred" and t["transferred_to"] == "tangshan"
    e = orders.ok(orders.create()["id"], "escalate", "agent", {"target": "119", "reason": "有火情"})
    assert e["status"] == "transferred" and e["transferred_to"] == "119"


def test_callback_only_once_per_closure(orders: OrdersApi):
    o = orders.to_state("closed")
    orders.ok(o["id"], "callback", "agent", {"satisfaction": "satisfied", "resolved": True})
    again = orders.act(o["id"], "callback", "agent", {"satisfaction": "satisfied", "resolved": True})
    assert again.status_code == 409
