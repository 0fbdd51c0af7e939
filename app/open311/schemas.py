"""The client registry's API schemas (province admin)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from tenants.naming import SLUG_RE

from ..rest import Schema
from .keys import OPEN311_SCOPES
from .service_accounts import KINDS, SERVICE_ROLES


class ClientOut(Schema):
    client_id = fields.String(dump_only=True, metadata={"example": "shijiazhuang-3fa2b1c4d5e6"})
    kind = fields.String(
        dump_only=True,
        metadata={
            "description": "api_key: an Open311 key; service_account: a realm client (client credentials)",
            "example": "service_account",
        },
    )
    tenant = fields.String(dump_only=True, attribute="tenant_slug", metadata={"example": "shijiazhuang"})
    name = fields.String(dump_only=True, metadata={"example": "石家庄城市管家 app"})
    scopes = fields.List(
        fields.String(),
        dump_only=True,
        metadata={"description": "Open311 scopes (api keys)", "example": ["open311:read", "open311:write"]},
    )
    role = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "the realm role of a service account", "example": "data_partner"},
    )
    rate_limit = fields.String(dump_only=True, metadata={"example": "120/minute"})
    created_at = fields.DateTime(dump_only=True)
    secret_rotated_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)


class ClientDetail(ClientOut):
    usage = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        dump_only=True,
        metadata={"description": "requests per UTC day (YYYYMMDD)", "example": {"20261202": 42}},
    )


class ClientIssued(ClientOut):
    api_key = fields.String(
        dump_only=True,
        metadata={
            "description": "api keys: the Open311 api_key, shown this once, stored only as a hash.",
            "example": "o311_1Yw4Q0rXb9kq2f0u8d5l3N7cZpS6vAeHjGtKmLxRiUo",
        },
    )
    client_secret = fields.String(
        dump_only=True,
        metadata={
            "description": "service accounts: the client secret, shown this once (kept only in the realm).",
            "example": "q3J0x0mXr2l1dSXN2o5u4zQ3bG9rJmVkT6hYwPaCeL8",
        },
    )
    token_endpoint = fields.String(
        dump_only=True,
        metadata={
            "description": "service accounts: where to obtain tokens (grant_type=client_credentials)",
            "example": "https://sso.example.gov.cn/realms/hotline/protocol/openid-connect/token",
        },
    )


class ClientCreate(Schema):
    tenant = fields.String(
        required=True, validate=validate.Regexp(SLUG_RE), metadata={"example": "shijiazhuang"}
    )
    name = fields.String(
        required=True, validate=validate.Length(1, 100), metadata={"example": "石家庄城市管家 app"}
    )
    kind = fields.String(
        load_default="api_key",
        validate=validate.OneOf(KINDS),
        metadata={"description": "api_key (Open311) or service_account (client credentials)"},
    )
    scopes = fields.List(
        fields.String(validate=validate.OneOf(OPEN311_SCOPES)),
        load_default=None,
        validate=validate.Length(1, len(OPEN311_SCOPES)),
        metadata={
            "description": "api keys only; default both",
            "example": ["open311:read", "open311:write"],
        },
    )
    role = fields.String(
        load_default=None,
        validate=validate.OneOf(SERVICE_ROLES),
        metadata={
            "description": "service accounts only: api_client (tenant API) or data_partner (desensitized "
            "/api/v1/partner/...); default api_client",
            "example": "data_partner",
        },
    )
    rate_limit = fields.String(
        load_default="120/minute",
        validate=lambda v: _valid_limit(v),  # raises ValidationError
        metadata={
            "description": "flask-limiter syntax: N per second/minute/hour/day",
            "example": "120/minute",
        },
    )

    @validates_schema
    def _fits_kind(self, data, **_kwargs):
        if data.get("kind") == "service_account" and data.get("scopes") is not None:
            raise ValidationError("scopes are for api keys; a service account has a role", "scopes")
        if data.get("kind", "api_key") == "api_key" and data.get("role") is not None:
            raise ValidationError("role is for service accounts; an api key has scopes", "role")


def _valid_limit(value: str) -> None:
    from limits import parse_many

    if len(value) > 32:
        raise ValidationError("at most 32 characters")
    try:
        limits = parse_many(value)
    except ValueError as exc:
        raise ValidationError("a limit such as 120/minute or 10/second") from exc
    if not limits or any(limit.amount < 1 for limit in limits):
        raise ValidationError("at least 1 request per period")


class ClientQuery(Schema):
    tenant = fields.String(
        load_default=None, validate=validate.Regexp(SLUG_RE), metadata={"example": "shijiazhuang"}
    )
