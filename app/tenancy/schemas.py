from __future__ import annotations

from marshmallow import fields, validate

from tenants.naming import REGION_CODE_RE, SLUG_RE

from ..rest import Schema


class TenantSchema(Schema):
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    region_code = fields.String(dump_only=True)
    schema_name = fields.String(dump_only=True)
    order_prefix = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"description": "provisioning, active, failed, disabled"})
    schema_version = fields.String(dump_only=True, allow_none=True)
    migrate_status = fields.String(dump_only=True, allow_none=True)
    migrate_error = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class TenantCreateSchema(Schema):
    slug = fields.String(
        required=True,
        validate=validate.Regexp(
            SLUG_RE, error="2-31 lowercase letters, digits or '_', starting with a letter"
        ),
        metadata={"example": "shijiazhuang"},
    )
    name = fields.String(required=True, validate=validate.Length(1, 100), metadata={"example": "石家庄市"})
    region_code = fields.String(
        required=True,
        validate=validate.Regexp(REGION_CODE_RE, error="six digits (GB/T 2260)"),
        metadata={"example": "130100"},
    )
    order_prefix = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Z0-9]{1,8}$", error="1-8 upper-case letters or digits"),
        metadata={"example": "SJZ"},
    )
