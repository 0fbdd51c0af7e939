"""Shapes of the partner API: desensitized orders and hotspots (docs/partners.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from ..orders.schemas import CODE
from ..orders.workflow import APPEAL_TYPES, CHANNELS, STATES
from ..rest import Schema

LISTED_STATES = tuple(s for s in STATES if s != "merged")  # a merged order lives on in its target
MAX_DAYS = 366
SH = ZoneInfo("Asia/Shanghai")


class _Period(Schema):
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
        if start and end and (end - start).days > MAX_DAYS:
            raise ValidationError(f"at most {MAX_DAYS} days", "from")

    @post_load
    def _defaults(self, data, **kwargs):
        today = datetime.now(SH).date()
        data["to"] = data.get("to") or max(today, data.get("from_") or today)
        data["from_"] = data.get("from_") or data["to"] - timedelta(days=29)
        return data


class PartnerOrderQuery(_Period):
    status = fields.String(validate=validate.OneOf(LISTED_STATES), load_default=None)
    channel = fields.String(validate=validate.OneOf(CHANNELS), load_default=None)
    appeal_type = fields.String(validate=validate.OneOf(APPEAL_TYPES), load_default=None)
    category_code = fields.String(validate=CODE, load_default=None, metadata={"example": "0105"})
    district_code = fields.String(validate=CODE, load_default=None, metadata={"example": "130102"})
    updated_after = fields.AwareDateTime(
        load_default=None,
        metadata={"description": "only orders changed after this instant (ISO 8601 with offset)"},
    )


class RoundedLocation(Schema):
    lat = fields.Float(metadata={"description": "rounded to 0.01°", "example": 38.04})
    lng = fields.Float(metadata={"description": "rounded to 0.01°", "example": 114.51})


class PartnerOrder(Schema):
    number = fields.String(metadata={"example": "SJZ-20261202-000123"})
    status = fields.String(metadata={"example": "closed"})
    open = fields.Boolean(metadata={"description": "false once closed or transferred"})
    channel = fields.String(metadata={"example": "phone"})
    appeal_type = fields.String(metadata={"example": "complaint"})
    category_code = fields.String(allow_none=True, metadata={"example": "0105"})
    urgency = fields.String(metadata={"example": "normal"})
    title = fields.String(metadata={"description": "personal data replaced by ***"})
    content = fields.String(metadata={"description": "personal data replaced by ***"})
    district_code = fields.String(allow_none=True, metadata={"example": "130102"})
    location = fields.Nested(RoundedLocation, allow_none=True)
    lead_department = fields.String(allow_none=True, metadata={"example": "cgj"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean(metadata={"description": "it passed its deadline while open"})
    reply_outcome = fields.String(allow_none=True, metadata={"example": "resolved"})
    satisfaction = fields.String(allow_none=True, metadata={"example": "satisfied"})
    resolved = fields.Boolean(allow_none=True, metadata={"description": "the citizen's answer at callback"})


HOTSPOT_BY = ("district", "category", "district_category")


class HotspotQuery(_Period):
    by = fields.String(
        validate=validate.OneOf(HOTSPOT_BY),
        load_default="district_category",
        metadata={"description": "what a cell is: a district, a category, or both"},
    )
    limit = fields.Integer(validate=validate.Range(1, 100), load_default=20)


class Hotspot(Schema):
    district_code = fields.String(allow_none=True, metadata={"example": "130102"})
    category_code = fields.String(allow_none=True, metadata={"example": "0105"})
    orders = fields.Integer(metadata={"description": "orders received in the period", "example": 37})
    open = fields.Integer(metadata={"description": "of them still open", "example": 5})


class HotspotsOut(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    by = fields.String(metadata={"example": "district_category"})
    min_cell = fields.Integer(
        metadata={"description": "cells with fewer orders are left out (small counts can identify people)"}
    )
    cells = fields.List(fields.Nested(Hotspot))
