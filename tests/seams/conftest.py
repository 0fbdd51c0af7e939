"""Fixtures of the seam tests: the orders API of tests/orders, and principals built directly."""

from __future__ import annotations

import pytest

from app.auth.principal import Principal, Role
from tests.orders.conftest import OrdersApi

SJZ, TS = "shijiazhuang", "tangshan"


@pytest.fixture
def orders(client, auth_headers, two_tenants):
    return OrdersApi(client, auth_headers)


def principal(role: str, *, username: str | None = None, tenant: str | None = SJZ, department=None):
    """A caller as the token verifier builds it (roles, tenant, department)."""
    granted = frozenset({tenant}) if role in Role.SYSTEM and tenant else frozenset()
    return Principal(
        subject=f"user:{username or role}",
        username=username or f"{role}@{tenant}",
        roles=frozenset({role}),
        tenant=tenant if role not in Role.SYSTEM else None,
        department=department,
        granted_tenants=granted,
    )
