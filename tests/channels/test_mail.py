"""Mayor's mailbox webhook: signed mail becomes an order with its attachments kept, once."""

from __future__ import annotations

import base64

from sqlalchemy import func, select

from app.attachments.models import ReplyAttachment
from app.orders.models import Order
from tenants import db, tenant_context

from .test_channels import TENANT, _post

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def _mail(mid, **extra):
    return {
        "message_id": mid,
        "sender": "citizen@example.cn",
        "subject": "供暖不热",
        "text": "市长您好：我家小区暖气温度一直不到16度。",
        **extra,
    }


def test_mail_with_attachment_is_filed_once(client, app, two_tenants):
    body = _mail(
        "<m1@example.cn>",
        attachments=[{"filename": "现场.png", "content_base64": base64.b64encode(PNG).decode()}],
    )
    first = _post(client, app, "mail", body)
    assert first.status_code == 201, first.get_json()
    oid = first.get_json()["order_id"]
    again = _post(client, app, "mail", body)
    assert again.status_code == 200 and again.get_json()["order_id"] == oid
    with app.app_context(), tenant_context(TENANT):
        order = db.session.get(Order, oid)
        assert order.channel == "mailbox" and order.category_code is None and order.title == "供暖不热"
        files = db.session.scalars(select(ReplyAttachment).where(ReplyAttachment.order_id == oid)).all()
        assert [(f.filename, f.content_type, f.action) for f in files] == [
            ("现场.png", "image/png", "intake")
        ]


def test_bad_attachment_or_signature_files_nothing(client, app, two_tenants):
    exe = _mail(
        "<m2@example.cn>",
        attachments=[{"filename": "a.png", "content_base64": base64.b64encode(b"MZ\x90\x00junk").decode()}],
    )
    assert _post(client, app, "mail", exe).status_code == 422
    notb64 = _mail("<m3@example.cn>", attachments=[{"filename": "a.png", "content_base64": "***"}])
    assert _post(client, app, "mail", notb64).status_code == 422
    assert _post(client, app, "mail", _mail("<m4@example.cn>"), signature="bad").status_code == 401
    with app.app_context(), tenant_context(TENANT):
        n = db.session.scalar(
            select(func.count())
            .select_from(Order)
            .where(
                Order.source_ref.in_(
                    ["mailbox:<m2@example.cn>", "mailbox:<m3@example.cn>", "mailbox:<m4@example.cn>"]
                )
            )
        )
        assert n == 0
