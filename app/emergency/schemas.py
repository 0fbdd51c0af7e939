"""Schemas of the emergency settings, class maps and joint-handling records (docs/integrations.md)."""

from __future__ import annotations

from marshmallow import fields, validate

from ..orders.workflow import EMERGENCY_TARGETS
from ..rest import Schema
from .joint import OUTCOMES

PLATFORM = validate.OneOf(EMERGENCY_TARGETS)
CLASS_CODE = validate.Regexp(r"^[A-Za-z0-9_.-]{1,32}$", error="1-32 letters, digits, '_', '.', '-'")


class PlatformOut(Schema):
    platform = fields.String(metadata={"example": "110"})
    endpoint_url = fields.String(allow_none=True, metadata={"example": "https://110.example.gov.cn/hotline"})
    client_id = fields.String(metadata={"example": "emergency-110-shijiazhuang"})
    enabled = fields.Boolean(metadata={"example": True})
    configured = fields.Boolean(metadata={"description": "an endpoint is set and enabled: escalations leave"})
    secret_generation = fields.Integer(metadata={"example": 1})
    previous_secret_until = fields.DateTime(allow_none=True, metadata={"example": None})
    updated_by = fields.String(allow_none=True, metadata={"example": "city_supervisor@shijiazhuang"})


class PlatformIn(Schema):
    endpoint_url = fields.Url(
        schemes={"http", "https"},
        require_tld=False,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "base URL: we POST <url>/incidents and <url>/incidents/<id>/status"},
    )
    client_id = fields.String(
        validate=validate.Regexp(r"^[A-Za-z0-9_.-]{1,128}$"),
        metadata={"description": "the platform's Keycloak client (default emergency-<platform>-<city>)"},
    )
    enabled = fields.Boolean()


PLATFORM_EXAMPLE = {"endpoint_url": "https://110.sjz.example.gov.cn/hotline", "enabled": True}


class RotateIn(Schema):
    overlap_hours = fields.Integer(
        load_default=24,
        validate=validate.Range(0, 720),
        metadata={"description": "how long the previous secret stays valid", "example": 24},
    )


class SecretOut(Schema):
    platform = fields.String(metadata={"example": "110"})
    secret_generation = fields.Integer(metadata={"example": 2})
    secret = fields.String(metadata={"description": "the new signing secret: give it to the platform"})
    previous_secret_until = fields.DateTime(metadata={"example": "2026-12-04T09:30:00+00:00"})


class ClassRowOut(Schema):
    platform = fields.String(metadata={"example": "110"})
    class_code = fields.String(metadata={"example": "FJ0101"})
    class_name = fields.String(metadata={"example": "噪声扰民(施工)"})
    major_code = fields.String(allow_none=True, metadata={"example": "FJ01"})
    major_name = fields.String(allow_none=True, metadata={"example": "城市管理"})
    police = fields.Boolean(metadata={"description": "a police class (警务类): stays with the platform"})
    category_code = fields.String(allow_none=True, metadata={"example": "0105"})
    source = fields.String(
        metadata={"description": "province or city (a city row overrides)", "example": "city"}
    )
    updated_by = fields.String(allow_none=True, metadata={"example": "seed"})
    updated_at = fields.DateTime(metadata={"example": "2026-12-03T09:30:00+00:00"})


class ClassRowIn(Schema):
    class_name = fields.String(
        required=True, validate=validate.Length(1, 100), metadata={"example": "噪声扰民"}
    )
    major_code = fields.String(validate=validate.Length(1, 32), allow_none=True, load_default=None)
    major_name = fields.String(validate=validate.Length(1, 100), allow_none=True, load_default=None)
    police = fields.Boolean(load_default=False)
    category_code = fields.String(
        validate=validate.Regexp(r"^[0-9]{2,16}$"),
        allow_none=True,
        load_default=None,
        metadata={"description": "a minor category; null un-maps the class (triage)", "example": "0105"},
    )


CLASS_EXAMPLE = {
    "class_name": "噪声扰民(施工)",
    "major_code": "FJ01",
    "major_name": "城市管理",
    "category_code": "0105",
}


class ClassQuery(Schema):
    platform = fields.String(validate=PLATFORM, metadata={"example": "110"})
    own = fields.Boolean(
        load_default=False, metadata={"description": "only the city's own rows (default: what applies here)"}
    )


class ProvinceClassQuery(Schema):
    platform = fields.String(validate=PLATFORM, metadata={"example": "110"})


class ImportOut(Schema):
    rows = fields.Integer(metadata={"example": 107})
    imported = fields.Integer(metadata={"example": 107})
    platforms = fields.List(fields.String(), metadata={"example": ["110"]})


class ThreeWayCallIn(Schema):
    platform = fields.String(required=True, validate=PLATFORM, metadata={"example": "110"})
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(OUTCOMES),
        metadata={"description": "who owns the matter after the call", "example": "unclear"},
    )
    note = fields.String(
        required=True, validate=validate.Length(1, 2000), metadata={"example": "三方通话未能明确"}
    )


class FirstReceiverIn(Schema):
    platform = fields.String(required=True, validate=PLATFORM, metadata={"example": "110"})
    first_receiver = fields.String(
        validate=validate.OneOf(("12345", *EMERGENCY_TARGETS)),
        metadata={
            "description": "who took the call first (default: the platform for a handed-over incident)"
        },
    )
    reason = fields.String(
        required=True, validate=validate.Length(1, 2000), metadata={"example": "职责仍不明确"}
    )


class LinkOut(Schema):
    order_id = fields.Integer(metadata={"example": 42})
    platform = fields.String(metadata={"example": "110"})
    direction = fields.String(metadata={"description": "out: escalated by 12345; in: handed over to 12345"})
    incident_id = fields.String(allow_none=True, metadata={"example": "110-20261203-0042"})
    police_dispatched = fields.Boolean(metadata={"description": "联动处置: the platform sent its responders"})
    remote_status = fields.String(allow_none=True, metadata={"example": "dispatched"})
    remote_status_at = fields.DateTime(allow_none=True, metadata={"example": "2026-12-03T10:02:00+08:00"})
    three_way_call_at = fields.DateTime(allow_none=True, metadata={"example": None})
    three_way_call_note = fields.String(allow_none=True, metadata={"example": None})
    first_receiver = fields.String(allow_none=True, metadata={"example": "12345"})
