"""The base of every API schema: input the database cannot store is a 422 naming the field.

PostgreSQL refuses NUL in text, UTF-8 cannot encode a lone surrogate (JSON may carry one as
``"\\ud800"``), an integer column holds at most a bigint, and a date-time near year 1 or 9999
overflows Python's datetime as soon as it is moved to UTC or a day is added. Without these
rules such input reached psycopg or the deadline arithmetic and failed there as a 500
(README, "HTTP API: bounds, OpenAPI, fuzzing").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from .limits import BIGINT_MAX, BIGINT_MIN, FIRST_YEAR, LAST_YEAR, UNSTORABLE_MESSAGE, storable

TIME_MESSAGE = f"a date or date-time in the years {FIRST_YEAR} to {LAST_YEAR}"


def plausible_time(value: dt.date) -> None:
    """Years the platform can compute with (converted to UTC first: the offset may move the year)."""
    try:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        ok = FIRST_YEAR <= value.year <= LAST_YEAR
    except OverflowError:
        ok = False
    if not ok:
        raise ma.ValidationError(TIME_MESSAGE)


def unstorable_text(value: Any) -> Any:
    """The error tree of the strings (keys and values) the database could not store, or None."""
    if isinstance(value, str):
        return None if storable(value) else [UNSTORABLE_MESSAGE]
    if isinstance(value, Mapping):
        errors = {}
        for key in value:
            if isinstance(key, str) and not storable(key):
                errors[key] = [UNSTORABLE_MESSAGE]
            elif (found := unstorable_text(value[key])) is not None:
                errors[key] = found
        return errors or None
    if isinstance(value, list | tuple):
        errors = {i: found for i, item in enumerate(value) if (found := unstorable_text(item)) is not None}
        return errors or None
    return None


def _bounds(field: fields.Field) -> tuple[Any, Any]:
    lows = [v.min for v in field.validators if isinstance(v, validate.Range) and v.min is not None]
    highs = [v.max for v in field.validators if isinstance(v, validate.Range) and v.max is not None]
    return (max(lows) if lows else None), (min(highs) if highs else None)


class Schema(ma.Schema):
    """marshmallow's Schema with the database's limits on text and integers."""

    @ma.pre_load
    def _refuse_unstorable_text(self, data: Any, **kwargs: Any) -> Any:
        """Only declared fields: a query or header location holds everything the client sent."""
        if isinstance(data, Mapping):
            keys = [f.data_key or name for name, f in self.load_fields.items()]
            errors = {key: found for key in keys if key in data and (found := unstorable_text(data[key]))}
            if errors:
                raise ma.ValidationError(errors)
        return data

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        """An integer field without bounds gets the bigint's (shown in OpenAPI as min/max); a date
        or date-time field, the years the platform computes with (before the field's own rules)."""
        super().on_bind_field(field_name, field_obj)
        for field in _fields_of(field_obj, (fields.DateTime, fields.Date)):
            field.validators.insert(0, plausible_time)
        for field in _fields_of(field_obj, fields.Integer):
            low, high = _bounds(field)
            if low is None or high is None:
                field.validators.append(
                    validate.Range(
                        min=BIGINT_MIN if low is None else None, max=BIGINT_MAX if high is None else None
                    )
                )


def _fields_of(field: fields.Field, kinds) -> list[fields.Field]:
    """The field itself, or the items of a list field, when they are of ``kinds``."""
    if isinstance(field, kinds):
        return [field]
    inner = getattr(field, "inner", None)
    if isinstance(inner, kinds):
        return [inner]
    return []
