"""``/channels/{tenant}/mail``: the mayor's mailbox (市长信箱) inbound-mail webhook.

The mail relay posts each parsed message as signed JSON (attachments base64); the message
becomes an order awaiting triage and its attachments are kept in the attachments store
(type checked from the content, like reply attachments). Idempotent on ``Message-ID``.
"""

from __future__ import annotations

import base64
import binascii
import io

from flask.views import MethodView
from marshmallow import fields, validate
from werkzeug.datastructures import FileStorage

from tenants import db

from ..attachments import service as attachments
from ..errors import DomainError
from ..rest import Schema, responds
from . import service
from .api import Receipt, SignatureHeaders, _receipt, _signed, blp


class MailAttachment(Schema):
    filename = fields.String(required=True, validate=validate.Length(1, 200))
    content_base64 = fields.String(required=True, validate=validate.Length(1, 14_000_000))


class MailIn(Schema):
    message_id = fields.String(required=True, validate=validate.Length(1, 200))
    sender = fields.Email(required=True)
    subject = fields.String(validate=validate.Length(max=200), load_default=None)
    text = fields.String(required=True, validate=validate.Length(1, 10000))
    attachments = fields.List(
        fields.Nested(MailAttachment), load_default=list, validate=validate.Length(max=5)
    )


MAIL_EXAMPLE = {
    "message_id": "<20261202.1@mail.example.cn>",
    "sender": "citizen@example.cn",
    "subject": "关于小区供暖不热的反映",
    "text": "市长您好：我家小区暖气温度一直不到16度，请协调处理。",
    "attachments": [],
}


def _uploads(items: list[dict]) -> list:
    files = []
    for a in items:
        try:
            data = base64.b64decode(a["content_base64"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DomainError(f"{a['filename']}: not base64", status=422) from exc
        files.append(FileStorage(io.BytesIO(data), filename=a["filename"]))
    return attachments.check(files)


@blp.route("/mail")
class MailboxWebhook(MethodView):
    @blp.arguments(SignatureHeaders(), location="headers", error_status_code=401)
    @blp.doc(**{"x-signed-webhook": True}, **responds(401))
    @blp.doc(requestBody={"content": {"application/json": {"schema": MailIn, "example": MAIL_EXAMPLE}}})
    @blp.response(201, Receipt, example={"order_id": 45, "number": "SJZ-20261202-000045", "created": True})
    @blp.alt_response(200, schema=Receipt, description="a redelivered message: the first order")
    def post(self, sent):
        """Inbound mail of the mayor's mailbox (市长信箱): one mail becomes an order awaiting triage.

        Signed: `X-Signature`, hex HMAC-SHA256 of the raw body (401 otherwise). Attachments (PDF, PNG,
        JPEG, DOCX, XLSX; at most 5) are checked by content and kept with the order. Idempotent on
        `message_id`: a redelivery answers 200 with the first order and stores nothing again.
        """
        msg = _signed("mail", MailIn(), sent)
        uploads = _uploads(msg["attachments"])
        result = service.receive(
            "mailbox", msg["message_id"], {"title": msg["subject"], "content": msg["text"], "caller": {}}
        )
        if result.created and uploads:
            attachments.attach(service.channel_principal("mailbox"), result.order.id, "intake", uploads)
        db.session.commit()
        return _receipt(result)
