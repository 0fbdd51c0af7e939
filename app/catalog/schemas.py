"""Request and response schemas of the reference-data API."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ..rest import Schema
from .models import APPEAL_TYPES, DEPARTMENT_CODE, DEPARTMENT_KINDS, DISTRICT_CODE, SEASONS

CATEGORY_CODE = r"^[0-9]{2}([0-9]{2})?$"

category_code = validate.Regexp(CATEGORY_CODE, error="2 digits (major) or 4 digits (minor), e.g. 04 or 0403")
major_code = validate.Regexp(r"^[0-9]{2}$", error="a major category code: 2 digits, e.g. 04")
department_code = validate.Regexp(
    DEPARTMENT_CODE, error="2-32 lowercase letters, digits or '_', starting with a letter, e.g. zjj"
)
district_code = validate.Regexp(DISTRICT_CODE, error="6 digits, e.g. 130102")
phone = validate.Regexp(r"^[0-9][0-9\- ]{2,30}[0-9]$", error="digits, '-' and spaces, e.g. 0311-12345678")


class StatusQuery(Schema):
    status = fields.String(
        load_default="active",
        validate=validate.OneOf(("active", "inactive", "all")),
        metadata={"description": "active (default), inactive or all"},
    )


class NonEmpty(Schema):
    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("send at least one field to change")


# -- appeal types and districts ------------------------------------------------------------
class AppealTypeSchema(Schema):
    code = fields.String(metadata={"example": "complaint"})
    name = fields.String(metadata={"example": "投诉"})
    name_en = fields.String(metadata={"example": "Complaint"})


class DistrictSchema(Schema):
    code = fields.String(metadata={"example": "130102"})
    name = fields.String(metadata={"example": "长安区"})
    sort_order = fields.Integer()
    active = fields.Boolean()


# -- categories ------------------------------------------------------------------------------
class CategoryQuery(StatusQuery):
    parent = fields.String(validate=major_code, metadata={"description": "only the minors of this major"})
    level = fields.String(validate=validate.OneOf(("major", "minor")))
    view = fields.String(
        load_default="flat",
        validate=validate.OneOf(("flat", "tree")),
        metadata={"description": "flat list (default) or majors with their minors under children"},
    )


class CategorySchema(Schema):
    code = fields.String(metadata={"example": "0403"})
    parent_code = fields.String(allow_none=True, metadata={"example": "04"})
    name = fields.String(metadata={"example": "供暖"})
    name_en = fields.String(metadata={"example": "Heating"})
    level = fields.String(metadata={"description": "major or minor"})
    is_leaf = fields.Boolean(metadata={"description": "orders are filed on leaf (minor) categories"})
    appeal_type_hint = fields.String(allow_none=True, metadata={"example": "complaint"})
    season = fields.String(allow_none=True, metadata={"example": "winter"})
    sort_order = fields.Integer()
    active = fields.Boolean()
    origin = fields.String(metadata={"description": "baseline (provincial) or city"})
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class CategoryNodeSchema(CategorySchema):
    """A category in a list; in the tree view a major also carries its minors."""

    children = fields.List(
        fields.Nested(CategorySchema), metadata={"description": "tree view only: the major's minors"}
    )


class CategoryCreateSchema(Schema):
    code = fields.String(required=True, validate=category_code, metadata={"example": "0211"})
    parent_code = fields.String(
        validate=major_code, metadata={"description": "optional; must be the code's first two digits"}
    )
    name = fields.String(required=True, validate=validate.Length(1, 50), metadata={"example": "公共厕所"})
    name_en = fields.String(
        required=True, validate=validate.Length(1, 100), metadata={"example": "Public toilets"}
    )
    appeal_type_hint = fields.String(allow_none=True, validate=validate.OneOf(APPEAL_TYPES))
    season = fields.String(allow_none=True, validate=validate.OneOf(SEASONS))
    sort_order = fields.Integer(validate=validate.Range(0, 10000))

    @validates_schema
    def _parent_matches_code(self, data, **kwargs):
        code, parent = data.get("code", ""), data.get("parent_code")
        if parent is not None and len(code) == 2:
            raise ValidationError("a major category has no parent", "parent_code")
        if parent is not None and not code.startswith(parent):
            raise ValidationError(f"minor {code} belongs to major {code[:2]}, not {parent}", "parent_code")


class CategoryPatchSchema(NonEmpty):
    name = fields.String(validate=validate.Length(1, 50))
    name_en = fields.String(validate=validate.Length(1, 100))
    appeal_type_hint = fields.String(allow_none=True, validate=validate.OneOf(APPEAL_TYPES))
    season = fields.String(allow_none=True, validate=validate.OneOf(SEASONS))
    sort_order = fields.Integer(validate=validate.Range(0, 10000))
    active = fields.Boolean(metadata={"description": "false retires the category (never deleted)"})


# -- departments -----------------------------------------------------------------------------
class DepartmentQuery(StatusQuery):
    kind = fields.String(validate=validate.OneOf(DEPARTMENT_KINDS))
    district = fields.String(validate=district_code, metadata={"description": "district code"})


class DepartmentSchema(Schema):
    code = fields.String(metadata={"example": "zjj"})
    name = fields.String(metadata={"example": "市住房和城乡建设局"})
    short_name = fields.String(allow_none=True, metadata={"example": "市住建局"})
    kind = fields.String(metadata={"description": ", ".join(DEPARTMENT_KINDS)})
    district_code = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    sort_order = fields.Integer()
    active = fields.Boolean()
    origin = fields.String()
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class DepartmentCreateSchema(Schema):
    code = fields.String(required=True, validate=department_code, metadata={"example": "tyj"})
    name = fields.String(required=True, validate=validate.Length(1, 100), metadata={"example": "市体育局"})
    short_name = fields.String(allow_none=True, validate=validate.Length(1, 50))
    kind = fields.String(required=True, validate=validate.OneOf(DEPARTMENT_KINDS))
    district_code = fields.String(allow_none=True, validate=district_code)
    phone = fields.String(allow_none=True, validate=phone)
    sort_order = fields.Integer(validate=validate.Range(0, 10000))

    @validates_schema
    def _government_has_district(self, data, **kwargs):
        if data.get("kind") == "district_government" and not data.get("district_code"):
            raise ValidationError("a district government needs its district_code", "district_code")


class DepartmentPatchSchema(NonEmpty):
    name = fields.String(validate=validate.Length(1, 100))
    short_name = fields.String(allow_none=True, validate=validate.Length(1, 50))
    phone = fields.String(allow_none=True, validate=phone)
    sort_order = fields.Integer(validate=validate.Range(0, 10000))
    active = fields.Boolean(metadata={"description": "false retires the department (never deleted)"})
