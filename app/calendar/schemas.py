from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

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


MAX_HOLIDAY_DAYS = 15  # the longest State Council block (春节 or 国庆) is 8-9 days
MAX_ADJUSTED = 4
ADJUSTED_WITHIN_DAYS = 20  # an adjusted working day (调休上班) is a weekend near its holiday


class HolidayScheduleSchema(Schema):
    """One holiday of the State Council's schedule: days off and its adjusted working days (调休).

    With no holiday it is only a deadline preview over the calendar as it is.
    """

    name = fields.String(
        validate=[validate.Length(1, 40), validate.Regexp(r"\s*\S", error="must not be blank")],
        metadata={"example": "春节"},
    )
    off_from = fields.Date(validate=DAY_RANGE, metadata={"description": "first day off"})
    off_to = fields.Date(validate=DAY_RANGE, metadata={"description": "last day off (default off_from)"})
    workdays = fields.List(
        fields.Date(validate=DAY_RANGE),
        load_default=list,
        validate=validate.Length(max=MAX_ADJUSTED),
        metadata={"description": "adjusted working days (调休上班): weekend days that become working days"},
    )
    start = fields.AwareDateTime(default_timezone=TZ, metadata={"description": "preview: receipt instant"})
    working_days = fields.Integer(load_default=5, validate=validate.Range(0, 250))

    @validates_schema
    def _consistent(self, data: dict, **_kwargs) -> None:
        errors: dict[str, list[str]] = {}
        first, last = data.get("off_from"), data.get("off_to") or data.get("off_from")
        holiday = any(k in data for k in ("name", "off_from", "off_to")) or data.get("workdays")
        if holiday:
            if "name" not in data:
                errors["name"] = ["the holiday needs a name, e.g. 春节"]
            if first is None:
                errors["off_from"] = ["the first day off is missing"]
        if first and last:
            if last < first:
                errors["off_to"] = ["the last day off is before the first"]
            elif (last - first).days >= MAX_HOLIDAY_DAYS:
                errors["off_to"] = [f"a holiday is at most {MAX_HOLIDAY_DAYS} days"]
        seen: set[date] = set()
        for d in data.get("workdays") or []:
            problem = None
            if d in seen:
                problem = f"{d} is given twice"
            elif d.weekday() < 5:
                problem = f"{d} is a weekday: an adjusted working day is a Saturday or Sunday"
            elif first and last and first <= d <= last:
                problem = f"{d} is inside the holiday"
            elif first and last and min(abs((d - first).days), abs((d - last).days)) > ADJUSTED_WITHIN_DAYS:
                problem = f"{d} is more than {ADJUSTED_WITHIN_DAYS} days from the holiday"
            seen.add(d)
            if problem:
                errors.setdefault("workdays", []).append(problem)
        start = data.get("start")
        if start is not None and not FIRST_YEAR <= start.astimezone(TZ).year <= LAST_YEAR - 2:
            errors["start"] = [f"start must be in the years {FIRST_YEAR}-{LAST_YEAR - 2}"]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _defaults(self, data: dict, **_kwargs) -> dict:
        if data.get("off_from") and not data.get("off_to"):
            data["off_to"] = data["off_from"]
        return data
