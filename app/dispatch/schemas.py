"""Request and response schemas of the dispatch-rule API."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ..catalog.schemas import NonEmpty, StatusQuery, category_code, department_code, district_code
from ..rest import Schema


class DispatchRuleQuery(StatusQuery):
    category = fields.String(validate=category_code)
    district = fields.String(validate=district_code)
    department = fields.String(validate=department_code, metadata={"description": "as lead or assisting"})


class DispatchRuleSchema(Schema):
    id = fields.Integer()
    category_code = fields.String(metadata={"example": "0403"})
    district_code = fields.String(allow_none=True, metadata={"description": "null: any district"})
    lead_department = fields.String(metadata={"example": "rlgs"})
    assist_departments = fields.List(fields.String(), metadata={"example": ["zjj"]})
    priority = fields.Integer(
        metadata={"description": "4 minor+district, 3 minor, 2 major+district, 1 major"}
    )
    specificity = fields.String(metadata={"example": "minor"})
    note = fields.String(allow_none=True)
    active = fields.Boolean()
    origin = fields.String(metadata={"description": "baseline (provincial) or city"})
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime()


def _distinct(codes: list[str]) -> None:
    if len(set(codes)) != len(codes):
        raise ValidationError("an assisting department is listed twice")


def _lead_not_assisting(data: dict) -> None:
    lead = data.get("lead_department")
    if lead is not None and lead in data.get("assist_departments", []):
        raise ValidationError(f"the lead department {lead} cannot also assist", "assist_departments")


class DispatchRuleCreateSchema(Schema):
    category_code = fields.String(required=True, validate=category_code, metadata={"example": "0403"})
    district_code = fields.String(
        allow_none=True, validate=district_code, metadata={"description": "omit or null: any district"}
    )
    lead_department = fields.String(required=True, validate=department_code, metadata={"example": "rlgs"})
    assist_departments = fields.List(
        fields.String(validate=department_code), validate=[validate.Length(max=10), _distinct]
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def _lead(self, data, **kwargs):
        _lead_not_assisting(data)


class DispatchRulePatchSchema(NonEmpty):
    lead_department = fields.String(validate=department_code)
    assist_departments = fields.List(
        fields.String(validate=department_code), validate=[validate.Length(max=10), _distinct]
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=500))
    active = fields.Boolean(metadata={"description": "false retires the rule (never deleted)"})

    @validates_schema
    def _lead(self, data, **kwargs):
        _lead_not_assisting(data)


class DispatchSuggestQuery(Schema):
    category = fields.String(required=True, validate=category_code, metadata={"example": "0403"})
    district = fields.String(validate=district_code, metadata={"example": "130102"})


class DispatchSuggestionSchema(Schema):
    lead_department = fields.String(attribute="lead", allow_none=True, metadata={"example": "rlgs"})
    assist_departments = fields.List(fields.String(), attribute="assists", metadata={"example": ["zjj"]})
    rule_id = fields.Integer(allow_none=True)
    specificity = fields.String(allow_none=True, metadata={"example": "minor"})
    reason = fields.String(metadata={"example": "rule 17 (minor): 0403 -> rlgs"})
