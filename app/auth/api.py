"""``/api/v1/me``: who the caller is and what the policy lets them do, for the portals' menus.

``/api/v1/tenants/<tenant>/me`` answers the same inside a tenant, after tenant binding: it is
the cheapest way to ask "may I act in this city?" (403 otherwise).
"""

from __future__ import annotations

from flask.views import MethodView

from tenants.context import current_tenant

from ..rest import Blueprint
from ..tenancy.scope import tenant_blueprint
from .http import current_principal, requires
from .policy import MATRIX, allowed
from .principal import Principal
from .schemas import PrincipalSchema, TenantPrincipalSchema

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The authenticated caller")
tenant_blp = tenant_blueprint("tenant_me", __name__, url_prefix="/me", description="The caller in a tenant")


def describe(principal: Principal) -> dict:
    return {
        "username": principal.username,
        "subject": principal.subject,
        "roles": sorted(principal.roles),
        "tenant": principal.tenant,
        "department": principal.department,
        "client_id": principal.client_id,
        "granted_tenants": sorted(principal.granted_tenants),
        "permissions": sorted(p for p in MATRIX if allowed(principal, p)),
    }


@blp.route("")
class Me(MethodView):
    @requires("identity.read")
    @blp.response(200, PrincipalSchema)
    def get(self):
        """The caller's identity, roles and permissions.

        What the platform read from your bearer token: user name, roles, tenant, department (handlers)
        and the permissions of the matrix your roles grant. Portals build their menus from
        `permissions`; an integrator calls it first to check a service account is set up.
        """
        return describe(current_principal())


@tenant_blp.route("")
class TenantMe(MethodView):
    @requires("identity.read")
    @tenant_blp.response(200, TenantPrincipalSchema)
    def get(self):
        """The caller inside this tenant (403 when the token may not enter it).

        The same answer as `GET /api/v1/me` plus `current_tenant`, after tenant binding: the cheapest
        way to ask "may this token act in this city?". 404 for an unknown city, 403 for a token of
        another city.
        """
        return {**describe(current_principal()), "current_tenant": current_tenant().slug}
