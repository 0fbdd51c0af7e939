from __future__ import annotations

from datetime import date

from marshmallow import fields, validate

from ..rest import Schema
from .arithmetic import TZ
from .service import FIRST_YEAR, LAST_YEAR

DAY_RANGE = validate.Range(
    min=date(FIRST_YEAR, 1, 1),
    max=date(LAST_YEAR, 12, 31),
    error=f"a date from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31",
)
YEAR_RANGE = validate.Range(min=FIRST_YEAR, max=LAST_YEAR)


class LocalDateTime(fields.DateTime):
    """Instants are stored in UTC and shown in Asia/Shanghai (+08:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None:
            value = value.astimezone(TZ)
        return super()._serialize(value, attr, obj, **kwargs)


class DayPathSchema(Schema):
    day = fields.Date(required=True, validate=DAY_RANGE, metadata={"description": "YYYY-MM-DD"})


class YearQuerySchema(Schema):
    year = fields.Integer(validate=YEAR_RANGE, metadata={"description": "only entries of this year"})


class CalendarEntryInSchema(Schema):
    is_workday = fields.Boolean(
        required=True,
        truthy={True},
        falsy={False},
        metadata={
            "description": "true: a working day (e.g. an adjusted Saturday 调休上班); false: a day off"
        },
    )
    name = fields.String(
        required=True,
        validate=[validate.Length(1, 50), validate.Regexp(r"\s*\S", error="must not be blank")],
        metadata={"example": "春节"},
    )


class CalendarEntrySchema(Schema):
    day = fields.Date(dump_only=True)
    is_workday = fields.Boolean(dump_only=True)
    name = fields.String(dump_only=True)
    updated_by = fields.String(dump_only=True)
    updated_at = LocalDateTime(dump_only=True)
