"""The client registry's API schemas (province admin)."""

from __future__ import annotations

from marshmallow import fields, validate

from tenants.naming import SLUG_RE

from ..rest import Schema
from .keys import OPEN311_SCOPES


class ClientOut(Schema):
    client_id = fields.String(dump_only=True, metadata={"example": "shijiazhuang-3fa2b1c4d5e6"})
    tenant = fields.String(dump_only=True, attribute="tenant_slug", metadata={"example": "shijiazhuang"})
    name = fields.String(dump_only=True, metadata={"example": "石家庄城市管家 app"})
    scopes = fields.List(
        fields.String(), dump_only=True, metadata={"example": ["open311:read", "open311:write"]}
    )
    created_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)


class ClientIssued(ClientOut):
    api_key = fields.String(
        dump_only=True,
        metadata={
            "description": "The Open311 api_key: shown this once, stored only as a hash.",
            "example": "o311_1Yw4Q0rXb9kq2f0u8d5l3N7cZpS6vAeHjGtKmLxRiUo",
        },
    )


class ClientCreate(Schema):
    tenant = fields.String(
        required=True, validate=validate.Regexp(SLUG_RE), metadata={"example": "shijiazhuang"}
    )
    name = fields.String(
        required=True, validate=validate.Length(1, 100), metadata={"example": "石家庄城市管家 app"}
    )
    scopes = fields.List(
        fields.String(validate=validate.OneOf(OPEN311_SCOPES)),
        load_default=list(OPEN311_SCOPES),
        validate=validate.Length(1, len(OPEN311_SCOPES)),
        metadata={"example": ["open311:read", "open311:write"]},
    )


class ClientQuery(Schema):
    tenant = fields.String(
        load_default=None, validate=validate.Regexp(SLUG_RE), metadata={"example": "shijiazhuang"}
    )
