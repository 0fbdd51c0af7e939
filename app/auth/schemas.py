"""The caller as the API sees it (``/api/v1/me``)."""

from __future__ import annotations

from marshmallow import fields

from ..rest import Schema


class PrincipalSchema(Schema):
    username = fields.String(metadata={"description": "preferred_username (service accounts: the client)"})
    subject = fields.String(metadata={"description": "the token's sub"})
    roles = fields.List(fields.String(), metadata={"description": "realm roles the platform knows"})
    tenant = fields.String(allow_none=True, metadata={"description": "home tenant (tenant-bound users)"})
    department = fields.String(allow_none=True, metadata={"description": "department code (handlers)"})
    client_id = fields.String(allow_none=True, metadata={"description": "the token's azp"})
    granted_tenants = fields.List(fields.String(), metadata={"description": "api_client / emergency_system"})
    permissions = fields.List(fields.String(), metadata={"description": "what the roles allow (policy)"})


class TenantPrincipalSchema(PrincipalSchema):
    current_tenant = fields.String(metadata={"description": "the tenant of this request"})
