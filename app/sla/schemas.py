from __future__ import annotations

from datetime import datetime

from marshmallow import ValidationError, fields, post_load, validate, validates, validates_schema

from ..calendar.arithmetic import TZ
from ..calendar.schemas import LocalDateTime
from ..calendar.service import FIRST_YEAR, LAST_YEAR
from ..rest import Schema
from .baseline import APPEAL_TYPES, HOURS, UNITS, URGENCIES, WORKING_DAYS, Limits

MAX_WORKING_DAYS = 250  # about a year of working days
MAX_HOURS = 720

_DESCRIBE_START = (
    "receipt instant, ISO 8601; without an offset it is read as Asia/Shanghai; default now. "
    "Working days count from the day after its local date; the deadline is 23:59:59 Asia/Shanghai "
    "of the Nth working day. Hour limits (emergency) are wall-clock hours from the instant."
)


class DeadlineQuerySchema(Schema):
    start = fields.AwareDateTime(default_timezone=TZ, metadata={"description": _DESCRIBE_START})
    appeal_type = fields.String(validate=validate.OneOf(APPEAL_TYPES))
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))
    working_days = fields.Integer(
        validate=validate.Range(0, MAX_WORKING_DAYS),
        metadata={"description": "instead of appeal_type and urgency: the raw calendar arithmetic"},
    )

    @validates("start")
    def _start_in_range(self, value: datetime, **_kwargs) -> None:
        if not FIRST_YEAR <= value.astimezone(TZ).year <= LAST_YEAR - 2:
            raise ValidationError(f"start must be in the years {FIRST_YEAR}-{LAST_YEAR - 2}")

    @validates_schema
    def _one_mode(self, data: dict, **_kwargs) -> None:
        if ("working_days" in data) == ("appeal_type" in data):
            raise ValidationError(
                "give either appeal_type (and urgency) for a policy's deadlines, or working_days", "_schema"
            )

    @post_load
    def _default_start(self, data: dict, **_kwargs) -> dict:
        data.setdefault("start", datetime.now(TZ))
        return data


class CalendarYearSchema(Schema):
    year = fields.Integer()
    source = fields.String(
        metadata={"description": "library (chinese-calendar), province (entered days + Mon-Fri), fallback"}
    )


class DeadlineSchema(Schema):
    start = LocalDateTime()
    due_at = LocalDateTime(metadata={"description": "办结时限: the handling deadline"})
    accept_due_at = LocalDateTime(metadata={"description": "签收时限, if dispatched at start"})
    warn_at = LocalDateTime(metadata={"description": "预警: when the policy's warn_ratio has elapsed"})
    return_due_at = LocalDateTime(metadata={"description": "退单时限, if dispatched at start"})
    appeal_type = fields.String()
    urgency = fields.String()
    unit = fields.String()
    working_days = fields.Integer()
    extension_max_working_days = fields.Integer()
    calendar = fields.List(fields.Nested(CalendarYearSchema))
    fallback = fields.Boolean(metadata={"description": "some year had no national calendar data"})
    fallback_years = fields.List(fields.Integer())
    warnings = fields.List(fields.String())


class PolicyPathSchema(Schema):
    appeal_type = fields.String(required=True, validate=validate.OneOf(APPEAL_TYPES))
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))


class PolicyInSchema(Schema):
    """A city's limits for one appeal type and urgency (PUT replaces all of them)."""

    unit = fields.String(required=True, validate=validate.OneOf(UNITS))
    accept_limit = fields.Float(required=True, validate=validate.Range(min=0))
    handle_limit = fields.Float(required=True, validate=validate.Range(min=0))
    return_limit = fields.Float(required=True, validate=validate.Range(min=0))
    extension_max_working_days = fields.Integer(
        required=True, strict=True, validate=validate.Range(0, MAX_WORKING_DAYS)
    )
    warn_ratio = fields.Float(
        required=True,
        validate=validate.Range(0, 1, min_inclusive=False, max_inclusive=False),
        metadata={"description": "warn when this share of the handling time has elapsed, e.g. 0.8"},
    )

    @validates_schema
    def _fits_unit(self, data: dict, **_kwargs) -> None:
        limits = ("accept_limit", "handle_limit", "return_limit")
        errors: dict[str, list[str]] = {}
        for name in limits:
            value = data.get(name)
            if value is None:
                continue
            if data.get("unit") == WORKING_DAYS and (value != int(value) or value > MAX_WORKING_DAYS):
                errors[name] = [f"working days: a whole number from 0 to {MAX_WORKING_DAYS}"]
            elif data.get("unit") == HOURS and (round(value, 2) != value or value > MAX_HOURS):
                errors[name] = [f"hours: up to {MAX_HOURS}, at most two decimals"]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _limits(self, data: dict, **_kwargs) -> Limits:
        return Limits(**data)


class PolicySchema(Schema):
    appeal_type = fields.String()
    urgency = fields.String()
    unit = fields.String(metadata={"description": "working_days or hours (accept, handle, return limits)"})
    accept_limit = fields.Float(metadata={"description": "签收时限, from dispatch"})
    handle_limit = fields.Float(metadata={"description": "办理时限, from receipt: the order's due_at"})
    return_limit = fields.Float(metadata={"description": "退单时限, from dispatch"})
    extension_max_working_days = fields.Integer(metadata={"description": "延期上限, always working days"})
    warn_ratio = fields.Float()
    baseline = fields.Boolean(metadata={"description": "still the provincial baseline's numbers"})
    updated_by = fields.String(allow_none=True)
    updated_at = LocalDateTime()
