"""Tenant-scoped blueprints: ``/api/v1/tenants/<tenant>/...``.

The tenant in the URL is bound only after the caller is authenticated and allowed into
that tenant; every view under such a blueprint runs inside that tenant's context.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint as FlaskBlueprint
from flask import g

from tenants.context import UnknownTenant, bind_tenant, lookup, unbind_tenant
from tenants.models import TenantStatus

from ..auth.http import current_principal
from ..errors import Forbidden
from ..rest import Blueprint

TENANT_PREFIX = "/api/v1/tenants/<string:tenant>"


def enter_tenant(slug: str) -> None:
    """Authenticate (401), resolve (404), authorize (403), then bind for this request."""
    principal = current_principal()
    ref = lookup(slug)
    if ref.status != TenantStatus.ACTIVE:
        raise UnknownTenant(slug, f"status is {ref.status}")
    if not principal.may_enter(ref.slug):
        raise Forbidden(f"your account may not act in tenant {slug!r}")
    g.tenant_token = bind_tenant(ref)


def enter_addressed_tenant(slug: str) -> None:
    """Resolve (404) and bind the URL's city for a caller that proves itself later, inside the
    view: a signed webhook (its signature names the city's secret) or a public form."""
    ref = lookup(slug)
    if ref.status != TenantStatus.ACTIVE:
        raise UnknownTenant(slug, f"status is {ref.status}")
    g.tenant_token = bind_tenant(ref)


def bind_url_tenant(blp: FlaskBlueprint, enter: Callable[[str], None] = enter_tenant) -> FlaskBlueprint:
    """Bind the ``<tenant>`` of every URL of ``blp`` with ``enter`` before the view, unbind after."""

    @blp.url_value_preprocessor
    def _bind(endpoint, values):
        if values is not None and "tenant" in values:
            enter(values.pop("tenant"))

    @blp.teardown_request
    def _unbind(exc):
        token = g.pop("tenant_token", None)
        if token is not None:
            unbind_tenant(token)

    return blp


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "", description: str = "") -> Blueprint:
    return bind_url_tenant(
        Blueprint(name, import_name, url_prefix=TENANT_PREFIX + url_prefix, description=description)
    )
