"""Signed channel webhooks: correctly signed messages file orders, replays create nothing, bad signatures 401."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.channels import service
from app.orders.models import Order
from app.outbox.models import OutboxMessage
from tenants import db, tenant_context

TENANT = "shijiazhuang"


def _post(client, app, channel, body, *, signature=None, tenant=TENANT):
    raw = json.dumps(body, ensure_ascii=False).encode()
    if signature is None:
        with app.app_context(), tenant_context(tenant):
            signature = service.sign(channel, raw)
    return client.post(
        f"/channels/{tenant}/{channel}",
        data=raw,
        headers={"Content-Type": "application/json", "X-Signature": signature},
    )


def _count(app, model, *where):
    with app.app_context(), tenant_context(TENANT):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_sms_files_an_order_for_triage_and_replies_once(client, app, two_tenants):
    body = {"message_id": "GW-0001", "sender": "13900001111", "text": "小区门口路灯坏了一周了，晚上很黑"}
    first = _post(client, app, "sms", body)
    assert first.status_code == 201, first.get_json()
    receipt = first.get_json()
    assert receipt["created"] and receipt["triage"]
    again = _post(client, app, "sms", body)
    assert again.status_code == 200 and again.get_json()["order_id"] == receipt["order_id"]
    assert not again.get_json()["created"]
    assert _count(app, Order, Order.source_ref == "sms:GW-0001") == 1
    assert _count(app, OutboxMessage, OutboxMessage.key == "sms-reply:GW-0001") == 1
    with app.app_context(), tenant_context(TENANT):
        order = db.session.get(Order, receipt["order_id"])
        assert order.channel == "sms" and order.category_code is None
        assert order.caller_phone_masked == "139****1111" and b"13900001111" not in order.caller_phone_enc
        reply = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.key == "sms-reply:GW-0001")
        ).one()
        assert "13900001111" not in json.dumps(reply.payload)  # the phone never sits in the outbox


def test_bad_or_missing_signature_is_refused_and_writes_nothing(client, app, two_tenants):
    body = {"message_id": "GW-0002", "sender": "13900002222", "text": "噪音扰民"}
    assert _post(client, app, "sms", body, signature="0" * 64).status_code == 401
    raw = json.dumps(body).encode()
    missing = client.post(f"/channels/{TENANT}/sms", data=raw, headers={"Content-Type": "application/json"})
    assert missing.status_code == 401
    # another city's secret does not open this city
    with app.app_context(), tenant_context("tangshan"):
        foreign = service.sign("sms", json.dumps(body, ensure_ascii=False).encode())
    assert _post(client, app, "sms", body, signature=foreign).status_code == 401
    assert _count(app, Order, Order.source_ref == "sms:GW-0002") == 0


def test_unknown_city_is_404(client, app, two_tenants):
    assert _post(client, app, "sms", {}, signature="x", tenant="nowhere").status_code == 404


def test_app_and_miniprogram_record_needs_and_category(client, app, two_tenants):
    body = {
        "message_id": "app-1",
        "content": "建华南大街井盖缺失，很危险",
        "category_code": "0105",
        "needs": ["elderly"],
    }
    resp = _post(client, app, "app", body)
    assert resp.status_code == 201 and not resp.get_json()["triage"]
    mp = {"message_id": "mp-1", "content": "我是聋人，想咨询残疾证办理", "sign_language_video": True}
    resp = _post(client, app, "miniprogram", mp)
    assert resp.status_code == 201
    with app.app_context(), tenant_context(TENANT):
        order = db.session.get(Order, resp.get_json()["order_id"])
        assert order.channel == "miniprogram" and order.caller_needs == ["sign_language"]
    assert _post(client, app, "miniprogram", mp).get_json()["created"] is False
    bad = _post(client, app, "app", {"message_id": "app-2", "content": "x", "category_code": "zz99"})
    assert bad.status_code == 422
    invalid = _post(client, app, "app", {"message_id": "app-3"})
    assert invalid.status_code == 422
