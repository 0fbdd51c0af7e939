"""Request and response shapes of the provincial layer's API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from ..orders.workflow import APPEAL_TYPES, CHANNELS, STATES
from ..rest import Schema
from .kpis import GROUP_BY
from .measures import KPIS

CODE = validate.Regexp(r"^[A-Za-z0-9_.-]{1,32}$", error="letters, digits, '_', '.', '-' (1-32)")
SLUG = validate.Regexp(r"^[a-z][a-z0-9_]{1,30}$", error="a city slug, e.g. shijiazhuang")
TEXT = validate.Length(1, 2000)
TRANSFER_STATES = ("pending", "accepted", "sent_back", "disputed", "decided")
MAX_DAYS = 3 * 366


# -- facts ------------------------------------------------------------------------------------------
class ProvinceOrderQuery(Schema):
    tenant = fields.List(
        fields.String(validate=SLUG), load_default=None, metadata={"description": "city slug(s)"}
    )
    status = fields.List(fields.String(validate=validate.OneOf(STATES)), load_default=None)
    category_code = fields.String(validate=CODE, load_default=None)
    channel = fields.String(validate=validate.OneOf(CHANNELS), load_default=None)
    appeal_type = fields.String(validate=validate.OneOf(APPEAL_TYPES), load_default=None)
    lead_department = fields.String(validate=CODE, load_default=None)
    number = fields.String(validate=validate.Length(max=40), load_default=None)
    overdue = fields.Boolean(load_default=None, metadata={"description": "true: open and overdue now"})
    supervised = fields.Boolean(
        load_default=None, metadata={"description": "has a manual supervision (督办)"}
    )
    created_from = fields.DateTime(load_default=None)
    created_to = fields.DateTime(load_default=None, metadata={"description": "exclusive"})


class OrderFactOut(Schema):
    tenant = fields.String(metadata={"description": "city slug"})
    order_id = fields.Integer()
    number = fields.String()
    status = fields.String()
    channel = fields.String()
    appeal_type = fields.String()
    category_code = fields.String()
    urgency = fields.String()
    district_code = fields.String(allow_none=True)
    lead_department = fields.String(allow_none=True)
    transferred_to = fields.String(allow_none=True)
    is_repeat = fields.Boolean()
    direct_closure = fields.Boolean()
    reply_outcome = fields.String(allow_none=True)
    satisfaction = fields.String(allow_none=True)
    resolved = fields.Boolean(allow_none=True)
    reopen_count = fields.Integer()
    return_count = fields.Integer()
    overdue = fields.Boolean()
    created_at = fields.DateTime()
    dispatched_at = fields.DateTime(allow_none=True)
    accept_due_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    replied_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    overdue_at = fields.DateTime(allow_none=True)
    callback_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    handling_days = fields.Float(allow_none=True, metadata={"description": "working days receipt -> closure"})


# -- KPIs -------------------------------------------------------------------------------------------
class PeriodQuery(Schema):
    """``from`` / ``to`` receipt dates (local), defaulting to the 30 days up to today, at most
    ``max_days`` apart; shared by the KPI and partner queries."""

    max_days = MAX_DAYS
    from_ = fields.Date(
        data_key="from",
        load_default=None,
        metadata={"description": "first receipt date, local (default: 29 days before `to`)"},
    )
    to = fields.Date(
        load_default=None, metadata={"description": "last receipt date, inclusive (default today)"}
    )

    @validates_schema
    def _range(self, data, **kwargs):
        start, end = data.get("from_"), data.get("to")
        if start and end and start > end:
            raise ValidationError("must not be after 'to'", "from")
        if start and end and (end - start).days > self.max_days:
            raise ValidationError(f"at most {self.max_days} days", "from")

    @post_load
    def _defaults(self, data, **kwargs):
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        data["to"] = data.get("to") or max(today, data.get("from_") or today)
        data["from_"] = data.get("from_") or data["to"] - timedelta(days=29)
        return data


class KpiQuery(PeriodQuery):
    group_by = fields.String(validate=validate.OneOf(GROUP_BY), load_default=None)


class KpiValue(Schema):
    numerator = fields.Raw(metadata={"type": "number", "description": "a count; working days for averages"})
    denominator = fields.Integer()
    value = fields.Float(allow_none=True, metadata={"description": "numerator / denominator; null when 0/0"})


KpiSet = Schema.from_dict(
    {
        k.id: fields.Nested(
            KpiValue, metadata={"description": f"{k.zh}: {k.numerator_text} / {k.denominator_text}"}
        )
        for k in KPIS
    },
    name="KpiSet",
)


class KpiGroup(Schema):
    key = fields.String(
        allow_none=True, metadata={"description": "city slug, category, department or channel"}
    )
    name = fields.String(allow_none=True)
    received = fields.Integer()
    kpis = fields.Nested(KpiSet)


class KpiOut(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    group_by = fields.String(allow_none=True)
    time_basis = fields.String()
    total = fields.Nested(KpiGroup)
    groups = fields.List(fields.Nested(KpiGroup))


# -- transfers --------------------------------------------------------------------------------------
class TransferQuery(Schema):
    status = fields.List(fields.String(validate=validate.OneOf(TRANSFER_STATES)), load_default=None)
    tenant = fields.List(
        fields.String(validate=SLUG), load_default=None, metadata={"description": "source or target city"}
    )


class CityTransferQuery(Schema):
    status = fields.List(fields.String(validate=validate.OneOf(TRANSFER_STATES)), load_default=None)
    direction = fields.String(validate=validate.OneOf(["in", "out"]), load_default=None)


class TransferOut(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": ", ".join(TRANSFER_STATES)})
    decision = fields.String(allow_none=True, metadata={"description": "target or source (after a dispute)"})
    source_tenant = fields.String()
    source_order_id = fields.Integer()
    source_number = fields.String()
    target_tenant = fields.String()
    target_order_id = fields.Integer(allow_none=True)
    target_number = fields.String(allow_none=True)
    reason = fields.String()
    requested_at = fields.DateTime()
    created_at = fields.DateTime()
    responded_by = fields.String(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    send_back_reason = fields.String(allow_none=True)
    disputed_by = fields.String(allow_none=True)
    disputed_at = fields.DateTime(allow_none=True)
    dispute_reason = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)


class TransferAcceptIn(Schema):
    pass


class TransferReasonIn(Schema):
    reason = fields.String(required=True, validate=TEXT)


class DecisionIn(Schema):
    handled_by = fields.String(
        required=True,
        validate=validate.OneOf(["target", "source"]),
        metadata={"description": "the city that must handle the order"},
    )
    note = fields.String(validate=validate.Length(max=2000), load_default=None)


# -- supervision ------------------------------------------------------------------------------------
class ProvinceSuperviseIn(Schema):
    tenant = fields.String(required=True, validate=SLUG)
    order_id = fields.Integer(required=True, validate=validate.Range(min=1))
    note = fields.String(required=True, validate=TEXT)
    response_due_at = fields.AwareDateTime(
        required=True, metadata={"description": "the city answers by then"}
    )


class SupervisionQuery(Schema):
    tenant = fields.List(fields.String(validate=SLUG), load_default=None)
    level = fields.String(validate=validate.OneOf(["city", "province"]), load_default=None)
    answered = fields.Boolean(load_default=None)
    response_overdue = fields.Boolean(
        load_default=None, metadata={"description": "unanswered past the deadline"}
    )


class SupervisionFactOut(Schema):
    tenant = fields.String()
    supervision_id = fields.Integer()
    order_id = fields.Integer()
    number = fields.String()
    level = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()
    response_due_at = fields.DateTime(allow_none=True)
    answered = fields.Boolean()
    answered_at = fields.DateTime(allow_none=True)
    answered_by = fields.String(allow_none=True)
    order_status = fields.String(allow_none=True)
    order_overdue = fields.Boolean()


class SupervisionOut(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    level = fields.String(metadata={"description": "city, province or auto (overdue)"})
    reason = fields.String()
    note = fields.String(allow_none=True)
    response_due_at = fields.DateTime(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    answer = fields.String(allow_none=True)


class AnswerIn(Schema):
    answer = fields.String(required=True, validate=validate.Length(1, 10000))
