"""Shapes of the partner API: desensitized orders and hotspots (docs/partners.md)."""

from __future__ import annotations

from marshmallow import fields, validate

from ..orders.schemas import CODE
from ..orders.workflow import APPEAL_TYPES, CHANNELS, STATES
from ..province.schemas import PeriodQuery
from ..rest import Schema

LISTED_STATES = tuple(s for s in STATES if s != "merged")  # a merged order lives on in its target


class _Period(PeriodQuery):
    max_days = 366


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
