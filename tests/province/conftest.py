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
    """Facts, rollups and supervision facts equal what the tenant schemas say (rebuild --dry-run).

    Other suites share the session's cities and sometimes move an order with raw SQL (e.g. a due
    date in the past for the sweep), bypassing every observer; the fixture repairs that once at
    its start, so what it then checks is the effect of this test's own actions.
    """
    from app.province.rebuild import rebuild

    with app.app_context():
        for ref in two_tenants:
            rebuild(ref.slug)

    def check() -> None:
        with app.app_context():
            for ref in two_tenants:
                report = rebuild(ref.slug, dry_run=True)
                assert report.clean, report.summary() + "\n" + "\n".join(report.examples)

    return check
