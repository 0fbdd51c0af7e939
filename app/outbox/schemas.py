"""Request and response shapes of the outbox administration API (dead letters, backlog)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ..rest import Schema

SLUG = validate.Regexp(r"^[a-z][a-z0-9_]{1,30}$", error="a city slug, e.g. shijiazhuang")
TOPIC = validate.Regexp(r"^[a-z][a-z0-9_.-]{0,63}$", error="a topic, e.g. order.escalated")
DESTINATION = validate.Regexp(r"^[A-Za-z0-9_.:@/-]{1,160}$", error="a destination, e.g. emergency:110")
MESSAGE_ID = validate.Range(1, 2**63 - 1)
STATES = ("pending", "delivered", "dead")


class DeadLetterQuery(Schema):
    tenant = fields.List(
        fields.String(validate=SLUG),
        load_default=None,
        metadata={"description": "only these cities (repeat the parameter)", "example": ["shijiazhuang"]},
    )
    topic = fields.String(validate=TOPIC, load_default=None, metadata={"example": "order.escalated"})
    destination = fields.String(
        validate=DESTINATION, load_default=None, metadata={"example": "emergency:110"}
    )


class CityDeadLetterQuery(Schema):
    topic = fields.String(validate=TOPIC, load_default=None, metadata={"example": "order.escalated"})
    destination = fields.String(
        validate=DESTINATION, load_default=None, metadata={"example": "emergency:110"}
    )


class MessageOut(Schema):
    tenant = fields.String(metadata={"description": "city slug", "example": "shijiazhuang"})
    id = fields.Integer(metadata={"description": "message id in that city's outbox", "example": 4711})
    topic = fields.String(metadata={"example": "order.escalated"})
    key = fields.String(
        metadata={
            "description": "idempotency key the receiver dedupes on",
            "example": "escalate:SJZ2026000123:3",
        }
    )
    destination = fields.String(
        metadata={"description": "ordering line: delivered in id order", "example": "emergency:110"}
    )
    state = fields.String(
        metadata={"description": "pending, delivered or dead (死信)", "enum": list(STATES), "example": "dead"}
    )
    attempts = fields.Integer(
        metadata={"description": "delivery attempts since written or retried", "example": 8}
    )
    created_at = fields.DateTime(metadata={"example": "2026-12-01T08:15:00+00:00"})
    available_at = fields.DateTime(
        metadata={"description": "next attempt not before", "example": "2026-12-01T08:36:40+00:00"}
    )
    delivered_at = fields.DateTime(allow_none=True, metadata={"example": None})
    dead_at = fields.DateTime(allow_none=True, metadata={"example": "2026-12-01T08:36:40+00:00"})
    last_error = fields.String(
        allow_none=True,
        metadata={
            "description": "the last failure, phone numbers masked",
            "example": "NotDeliverable: no adapter for the 110 platform in this city yet",
        },
    )
    adapter_missing = fields.Boolean(
        metadata={"description": "the topic waits for an adapter that is not installed yet", "example": True}
    )
    retried_at = fields.DateTime(allow_none=True, metadata={"example": None})
    retried_by = fields.String(
        allow_none=True, metadata={"description": "the province admin who last retried it", "example": None}
    )


class MessageDetailOut(MessageOut):
    payload = fields.Dict(
        metadata={
            "description": "the message body with personal data masked (phones 138****5678, names 张**)",
            "example": {"order_id": 123, "number": "SJZ2026000123", "target": "110", "reason": "有人打架"},
        }
    )


class MessageRef(Schema):
    tenant = fields.String(required=True, validate=SLUG, metadata={"example": "shijiazhuang"})
    id = fields.Integer(required=True, validate=MESSAGE_ID, metadata={"example": 4711})


class RetryManyIn(Schema):
    """Which dead letters to retry: every given selector must match (at least one is required)."""

    messages = fields.List(
        fields.Nested(MessageRef),
        validate=validate.Length(1, 500),
        load_default=None,
        metadata={"description": "these messages", "example": [{"tenant": "shijiazhuang", "id": 4711}]},
    )
    tenant = fields.List(
        fields.String(validate=SLUG),
        validate=validate.Length(1, 100),
        load_default=None,
        metadata={"description": "every dead letter of these cities", "example": ["shijiazhuang"]},
    )
    topic = fields.String(validate=TOPIC, load_default=None, metadata={"example": "transfer.remote"})
    destination = fields.String(
        validate=DESTINATION, load_default=None, metadata={"example": "city:tangshan"}
    )

    @validates_schema
    def _some_selector(self, data, **kwargs):
        if not any(data.get(k) for k in ("messages", "tenant", "topic", "destination")):
            raise ValidationError(
                "name messages, tenant, topic or destination (retrying everything needs a filter)"
            )


class RetryManyOut(Schema):
    count = fields.Integer(metadata={"description": "dead letters put back in line", "example": 1})
    retried = fields.List(
        fields.Nested(MessageRef), metadata={"example": [{"tenant": "shijiazhuang", "id": 4711}]}
    )


class LineHeadOut(Schema):
    id = fields.Integer(metadata={"example": 4711})
    topic = fields.String(metadata={"example": "order.escalated"})
    attempts = fields.Integer(metadata={"example": 3})
    next_attempt_at = fields.DateTime(metadata={"example": "2026-12-01T08:16:20+00:00"})
    last_error = fields.String(
        allow_none=True,
        metadata={"example": "NotDeliverable: no adapter for the 110 platform in this city yet"},
    )
    adapter_missing = fields.Boolean(metadata={"example": True})


class LineOut(Schema):
    tenant = fields.String(metadata={"example": "shijiazhuang"})
    destination = fields.String(metadata={"example": "emergency:110"})
    pending = fields.Integer(metadata={"description": "messages waiting in this line", "example": 2})
    oldest_created_at = fields.DateTime(metadata={"example": "2026-12-01T08:15:00+00:00"})
    head = fields.Nested(
        LineHeadOut, metadata={"description": "the oldest pending message: the later ones wait for it"}
    )
