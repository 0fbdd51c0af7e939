"""Partner fixtures: the orders driver of tests/orders."""

from __future__ import annotations

import pytest

from tests.orders.conftest import OrdersApi


@pytest.fixture
def orders(client, auth_headers, two_tenants):
    return OrdersApi(client, auth_headers)


@pytest.fixture(scope="session")
def idp_url(live_server) -> str:
    return live_server.idp_url
