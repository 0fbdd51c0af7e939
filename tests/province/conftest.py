"""Fixtures of the provincial layer: the orders driver of tests/orders, relays, fact checks."""

from __future__ import annotations

import pytest

from tests.orders.conftest import OrdersApi


@pytest.fixture
def orders(client, auth_headers, two_tenants):
    return OrdersApi(client, auth_headers)


@pytest.fixture
def relay(app, two_tenants):
    """relay() delivers every city's pending outbox messages in-process, until none is left."""
    from app.outbox.service import relay as relay_one
    from tenants import tenant_context

    def run(rounds: int = 5) -> int:
        total = 0
        with app.app_context():
            for _ in range(rounds):
                delivered = 0
                for ref in two_tenants:
                    with tenant_context(ref.slug):
                        delivered += relay_one()
                total += delivered
                if not delivered:
                    break
        return total

    return run


@pytest.fixture
def assert_facts_consistent(app, two_tenants):
    """Facts, rollups and supervision facts equal what the tenant schemas say (rebuild --dry-run)."""
    from app.province.rebuild import rebuild

    def check() -> None:
        with app.app_context():
            for ref in two_tenants:
                report = rebuild(ref.slug, dry_run=True)
                assert report.clean, report.summary() + "\n" + "\n".join(report.examples)

    return check
