"""Shapes of the webhooks API (docs/integrations.md, "Webhooks")."""

from __future__ import annotations

from marshmallow import fields, validate

from ..rest import Schema
from .service import TYPES

URL = validate.URL(schemes={"http", "https"}, require_tld=False)


def _event_types(**kwargs) -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(TYPES)),
        validate=validate.Length(1, len(TYPES)),
        metadata={
            "description": "what to receive: " + ", ".join(TYPES),
            "example": ["order.created", "order.closed"],
        },
        **kwargs,
    )


class SubscriptionIn(Schema):
    url = fields.String(
        required=True,
        validate=[validate.Length(max=500), URL],
        metadata={"example": "https://partner.example.cn/hooks/12345"},
    )
    event_types = _event_types(required=True)
    description = fields.String(
        validate=validate.Length(max=200), load_default=None, metadata={"example": "市数据局 工单同步"}
    )
    active = fields.Boolean(load_default=True)


class SubscriptionPatch(Schema):
    url = fields.String(
        validate=[validate.Length(max=500), URL], metadata={"example": "https://partner.example.cn/v2"}
    )
    event_types = _event_types()
    description = fields.String(
        validate=validate.Length(max=200), allow_none=True, metadata={"example": "同步"}
    )
    active = fields.Boolean(metadata={"description": "false pauses deliveries", "example": False})


class SubscriptionOut(Schema):
    id = fields.Integer(metadata={"example": 3})
    url = fields.String(metadata={"example": "https://partner.example.cn/hooks/12345"})
    event_types = fields.List(fields.String(), metadata={"example": ["order.created", "order.closed"]})
    description = fields.String(allow_none=True)
    active = fields.Boolean()
    created_by = fields.String(metadata={"example": "city_supervisor@shijiazhuang"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class SubscriptionIssued(SubscriptionOut):
    secret = fields.String(
        metadata={
            "description": "the signing secret, shown only here: verify X-Hotline-Signature with it",
            "example": "whsec_Vb0dN2cZt8mQ3xK1rL5uH7aE9wF4yJ6pS0gT2iO8nM",
        }
    )


class DeliveryQuery(Schema):
    state = fields.String(validate=validate.OneOf(("pending", "delivered", "dead")), load_default=None)


class DeliveryOut(Schema):
    id = fields.Integer(metadata={"description": "the delivery (its outbox message)", "example": 1207})
    event_id = fields.String(metadata={"example": "evt:shijiazhuang:SJZ-20261203-000042:v3:dispatch"})
    event_type = fields.String(metadata={"example": "order.dispatched"})
    state = fields.String(metadata={"description": "pending, delivered or dead", "example": "delivered"})
    attempts = fields.Integer()
    created_at = fields.DateTime()
    next_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    dead_at = fields.DateTime(allow_none=True)
    last_error = fields.String(
        allow_none=True, metadata={"example": "NotDeliverable: webhook receiver answered 503"}
    )
    replay_of = fields.String(allow_none=True, metadata={"description": "the delivery key this one replays"})


class DeliveryDetail(DeliveryOut):
    event = fields.Dict(metadata={"description": "the body that is (or was) sent"})


class EventTypesOut(Schema):
    types = fields.List(fields.String(), metadata={"example": list(TYPES)[:3]})
