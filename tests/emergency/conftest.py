"""Emergency linkage over real HTTP: the app served live, the platform simulator, real tokens.

``sim`` starts integrations/simulators/emergency.py for shijiazhuang's four platforms (and
tangshan's 110), points the cities' platform endpoints at it and puts waiting escalations back
in line; the endpoints are unset again afterwards, so other tests see unconfigured platforms.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, update

from tests.orders.conftest import *  # noqa: F403  (the orders API helpers and fixtures)

SJZ, TS = "shijiazhuang", "tangshan"
PAIRS = [(SJZ, "110"), (SJZ, "119"), (SJZ, "120"), (SJZ, "122"), (TS, "110")]


def wait_for(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def entries(app, live_server, two_tenants):
    """The simulator's view of each (city, platform): its client, its secret, our URLs."""
    from app.emergency import platforms
    from integrations.keycloak.realm import client_secret
    from integrations.simulators.emergency import Entry
    from tenants import tenant_context

    out = {}
    with app.app_context():
        for slug, code in PAIRS:
            with tenant_context(slug):
                row = platforms.get(code)
                out[(slug, code)] = Entry(
                    tenant=slug,
                    platform=code,
                    hotline_url=live_server.url,
                    token_url=f"{live_server.url}/idp/realms/hotline/protocol/openid-connect/token",
                    client_id=row.client_id,
                    client_secret=client_secret(row.client_id),
                    signing_secret=platforms.secrets(row)[0],
                )
    return out


def configure(app, endpoints: dict[tuple[str, str], str | None]) -> None:
    from app.auth.principal import Principal, Role
    from app.emergency import platforms
    from app.outbox.models import OutboxMessage
    from app.outbox.service import pending
    from tenants import db, tenant_context

    admin = Principal(subject="test", username="test", roles=frozenset({Role.PROVINCE_ADMIN}))
    with app.app_context():
        for (slug, code), url in endpoints.items():
            with tenant_context(slug):
                platforms.configure(admin, code, {"endpoint_url": url})
                # escalations other tests left waiting go back in line, due now
                db.session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.destination == f"emergency:{code}", pending())
                    .values(available_at=func.now())
                )
                db.session.commit()


@pytest.fixture
def sim(app, entries):
    from integrations.simulators import emergency

    simulator, url, server = emergency.serve(list(entries.values()))
    simulator.url = url
    configure(app, {pair: f"{url}/{pair[0]}/{pair[1]}" for pair in PAIRS})
    yield simulator
    configure(app, dict.fromkeys(PAIRS))
    simulator.stop()
    server.shutdown()


@pytest.fixture
def relay_in(app, two_tenants):
    """relay_in(tenant=SJZ) -> delivered count of one in-process relay of that city (in an app
    context of its own: a test-wide one would be shared by the test client's requests)."""
    from app.outbox.service import relay
    from tenants import tenant_context

    def run(tenant: str = SJZ) -> int:
        with app.app_context(), tenant_context(tenant):
            return relay()

    return run


@pytest.fixture
def timeline(client, auth_headers):
    def read(order_id: int, tenant: str = SJZ, kind: str | None = None) -> list[dict]:
        resp = client.get(
            f"/api/v1/tenants/{tenant}/orders/{order_id}/timeline",
            headers=auth_headers(f"dispatcher@{tenant}"),
        )
        assert resp.status_code == 200, resp.get_json()
        return [e for e in resp.get_json() if kind is None or e["action"] == kind]

    return read
