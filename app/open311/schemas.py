"""The client registry's API schemas (province admin)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

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
    rate_limit = fields.String(dump_only=True, metadata={"example": "120/minute"})
    created_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)


class ClientDetail(ClientOut):
    usage = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        dump_only=True,
        metadata={"description": "Open311 requests per UTC day (YYYYMMDD)", "example": {"20261202": 42}},
    )


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
    rate_limit = fields.String(
        load_default="120/minute",
        validate=lambda v: _valid_limit(v),  # raises ValidationError
        metadata={
            "description": "flask-limiter syntax: N per second/minute/hour/day",
            "example": "120/minute",
        },
    )


def _valid_limit(value: str) -> None:
    from limits import parse

    try:
        parse(value)
    except ValueError as exc:
        raise ValidationError("a limit such as 120/minute or 10/second") from exc
    if len(value) > 32:
        raise ValidationError("at most 32 characters")


class ClientQuery(Schema):
    tenant = fields.String(
        load_default=None, validate=validate.Regexp(SLUG_RE), metadata={"example": "shijiazhuang"}
    )
