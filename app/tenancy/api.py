"""``/api/v1/tenants``: the provincial admin API over the tenant registry."""

from __future__ import annotations

from flask.views import MethodView

from tenants import provision
from tenants.context import UnknownTenant

from ..auth.http import requires
from ..errors import Conflict, DomainError, NotFound
from ..rest import Blueprint, responds
from .schemas import TenantCreateSchema, TenantSchema

blp = Blueprint(
    "tenants", __name__, url_prefix="/api/v1/tenants", description="City tenants (province_admin)"
)


def _row(slug: str) -> dict:
    for row in provision.list_tenants():
        if row["slug"] == slug:
            return row
    raise NotFound(f"unknown tenant {slug!r}")


@blp.route("")
class Tenants(MethodView):
    @requires("tenants.read")
    @blp.response(200, TenantSchema(many=True))
    def get(self):
        """List tenants with status and schema version.

        Every city hotline centre (tenant) in the registry, with its status (`active`, `provisioning`,
        `failed`, `disabled`), region code, order-number prefix and the migration version of its schema.
        """
        return provision.list_tenants()

    @requires("tenants.manage")
    @blp.arguments(TenantCreateSchema())
    @blp.doc(**responds(409, 503))
    @blp.response(201, TenantSchema)
    def post(self, body):
        """Provision a city tenant: schema, migrations, reference data, IdP group.

        Creates the city's PostgreSQL schema, migrates it, seeds its catalogue, dispatch rules and SLA
        policies, and creates its group and demo users in the identity provider. Idempotent per slug: a
        failed provisioning answers 503 and is resumed by POSTing the same body again; an existing slug
        answers 409.
        """
        try:
            ref = provision.create_tenant(
                body["slug"],
                name=body["name"],
                region_code=body["region_code"],
                order_prefix=body["order_prefix"],
            )
        except provision.TenantExists as exc:
            raise Conflict(str(exc)) from exc
        except provision.ProvisioningFailed as exc:
            raise DomainError(f"{exc}; POST again to resume", status=503) from exc
        return _row(ref.slug)


@blp.route("/<string:tenant>")
class TenantItem(MethodView):
    @requires("tenants.read")
    @blp.response(200, TenantSchema)
    def get(self, tenant: str):
        """One tenant's registry entry.

        The registry entry of one city by slug: name, region code, order prefix, status and schema
        version. 404 for an unknown slug.
        """
        try:
            return _row(tenant)
        except NotFound as exc:
            raise UnknownTenant(tenant) from exc
