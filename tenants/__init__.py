"""Tenancy core: registry, tenant context, schema routing, migrations, provisioning.

Imports nothing from the domain packages; the app registers provisioning steps.
"""

from .context import TenantRef, UnknownTenant, current_tenant, current_tenant_or_none, tenant_context
from .db import Database, NoTenantBound, db
from .models import ProvinceBase, Tenant, TenantBase, TenantStatus

__all__ = [
    "Database",
    "NoTenantBound",
    "ProvinceBase",
    "Tenant",
    "TenantBase",
    "TenantRef",
    "TenantStatus",
    "UnknownTenant",
    "current_tenant",
    "current_tenant_or_none",
    "db",
    "tenant_context",
]
