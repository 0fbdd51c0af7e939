"""Shapes of the utilities API: endpoint configuration and the inbound message (docs/integrations.md)."""

from __future__ import annotations

from marshmallow import EXCLUDE, fields, validate

from ..orders.workflow import REPLY_OUTCOMES
from ..rest import Schema

URL = validate.URL(schemes={"http", "https"}, require_tld=False)
MESSAGE_ID = validate.Regexp(r"^[A-Za-z0-9_.:-]{1,64}$", error="1-64 letters, digits, '_', '.', ':', '-'")


class UtilityEndpointIn(Schema):
    url = fields.String(
        validate=[validate.Length(max=500), URL],
        metadata={"description": "where dispatches are POSTed", "example": "https://water.example.cn/12345"},
    )
    secret = fields.String(
        load_only=True,
        validate=validate.Length(32, 200),
        metadata={
            "description": "shared HMAC secret (write-only); a new one keeps the old one valid inbound",
            "example": "k3JX0d9w2Qm8ZyVbN4tP7rLs1uHe6aCf",
        },
    )
    active = fields.Boolean(load_default=None, allow_none=True, metadata={"example": True})
    keep_previous = fields.Boolean(
        load_default=True,
        metadata={"description": "with a new secret: accept the old one inbound until the next rotation"},
    )


class UtilityEndpointOut(Schema):
    department_code = fields.String(metadata={"example": "zlsgs"})
    department_name = fields.String(metadata={"example": "石家庄市自来水公司"})
    kind = fields.String(metadata={"example": "utility"})
    url = fields.String(metadata={"example": "https://water.example.cn/12345"})
    active = fields.Boolean()
    rotating = fields.Boolean(metadata={"description": "a previous secret is still accepted inbound"})
    inbound_url = fields.String(
        metadata={
            "description": "where the utility sends its messages",
            "example": "/api/v1/integrations/utilities/shijiazhuang/messages",
        }
    )
    sender = fields.String(
        metadata={"description": "its X-Hotline-Sender value", "example": "zlsgs@shijiazhuang"}
    )
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class UtilityMessageIn(Schema):
    """The common part of a utility's message; the action's own fields are those of its API body."""

    class Meta:
        unknown = EXCLUDE  # the action's fields are checked by the action's own schema

    message_id = fields.String(
        required=True,
        validate=MESSAGE_ID,
        metadata={"description": "the utility's id for this message: a resend is applied once"},
    )
    order_number = fields.String(
        required=True, validate=validate.Length(1, 40), metadata={"example": "SJZ-20261203-000042"}
    )
    action = fields.String(
        required=True,
        validate=validate.OneOf(("accept", "assist-reply", "reply", "return", "request-extension")),
        metadata={"description": "the order action to run, as a department user would"},
    )
    content = fields.String(metadata={"description": "reply and assist-reply: the answer"})
    outcome = fields.String(validate=validate.OneOf(REPLY_OUTCOMES), metadata={"description": "reply"})
    reason = fields.String(metadata={"description": "return and request-extension"})
    working_days = fields.Integer(metadata={"description": "request-extension"})
    sent_at = fields.DateTime(metadata={"description": "informational; the signature carries the time"})


class UtilityReceipt(Schema):
    message_id = fields.String(metadata={"example": "zlsgs-20261203-0001"})
    order_id = fields.Integer(metadata={"example": 42})
    order_number = fields.String(metadata={"example": "SJZ-20261203-000042"})
    action = fields.String(metadata={"example": "accept"})
    status = fields.String(metadata={"description": "the order's status after the action"})
    version = fields.Integer()
    duplicate = fields.Boolean(metadata={"description": "true: a resend; nothing was changed"})


class SenderHeaders(Schema):
    sender = fields.String(
        data_key="X-Hotline-Sender",
        required=True,
        validate=validate.Regexp(r"^[a-z][a-z0-9_]{1,31}@[a-z][a-z0-9_]{1,30}$"),
        metadata={"description": "`<department>@<city>`, e.g. zlsgs@shijiazhuang"},
    )
    signature = fields.String(
        data_key="X-Hotline-Signature",
        required=True,
        validate=validate.Length(max=400),
        metadata={"description": "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<raw body>'>"},
    )


MESSAGE_EXAMPLE = {
    "message_id": "zlsgs-20261203-0002",
    "order_number": "SJZ-20261203-000042",
    "action": "reply",
    "content": "已更换破损阀门，恢复供水",
    "outcome": "resolved",
}
