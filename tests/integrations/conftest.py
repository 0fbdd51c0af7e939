"""Fixtures of the integration tests: a utility simulator over real HTTP, a long-running rq worker."""

from __future__ import annotations

import time

import pytest

SJZ, TS = "shijiazhuang", "tangshan"
SECRET = "utility-secret-0123456789abcdef-xyz"


@pytest.fixture
def orders(client, auth_headers, two_tenants):
    from tests.orders.conftest import OrdersApi

    return OrdersApi(client, auth_headers)


@pytest.fixture
def utility(app, client, auth_headers, two_tenants):
    """A utility simulator; ``utility.connect(code, tenant)`` makes that department external."""
    from integrations.simulators import utility as sim

    system, url, server = sim.serve(SECRET)
    connected: list[tuple[str, str]] = []

    def connect(code: str = "zlsgs", tenant: str = SJZ, secret: str = SECRET) -> dict:
        resp = client.put(
            f"/api/v1/tenants/{tenant}/utilities/{code}",
            json={"url": url + "/messages", "secret": secret, "active": True},
            headers=auth_headers(f"city_supervisor@{tenant}"),
        )
        assert resp.status_code == 200, resp.get_json()
        connected.append((code, tenant))
        return resp.get_json()

    system.connect, system.url = connect, url
    yield system
    for code, tenant in connected:
        client.put(
            f"/api/v1/tenants/{tenant}/utilities/{code}",
            json={"active": False},
            headers=auth_headers(f"city_supervisor@{tenant}"),
        )
    with app.app_context():
        _drop_pending("utility:%", {t for _, t in connected})
    server.shutdown()


def _drop_pending(destination_like: str, tenants) -> None:
    """What a test left undelivered must not hold the next test's line."""
    from sqlalchemy import delete

    from app.outbox.models import OutboxMessage
    from tenants import db, tenant_context

    for slug in tenants:
        with tenant_context(slug):
            db.session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.destination.like(destination_like),
                    OutboxMessage.delivered_at.is_(None),
                )
            )
            db.session.commit()


@pytest.fixture
def outbox_worker(app, services, live_server, monkeypatch):
    """A real rq worker on the outbox queue with quick retries; ``pump()`` nudges relays like the
    scheduler would, until a condition holds."""
    from app.extensions import redis_client
    from app.outbox.service import nudge
    from tests.support.workers import start_worker

    monkeypatch.setenv("OUTBOX_RETRY_BASE_SECONDS", "0.2")
    monkeypatch.setenv("OUTBOX_RETRY_MAX_SECONDS", "1")
    monkeypatch.setenv("OUTBOX_MAX_ATTEMPTS", "50")
    workers = [start_worker(services, "outbox")]

    class Pump:
        def restart(self):
            workers.append(start_worker(services, "outbox"))

        @property
        def worker(self):
            return workers[-1]

        def __call__(self, done, timeout: float = 60, tenants=(SJZ,)):
            deadline = time.time() + timeout
            while time.time() < deadline:
                if done():
                    return True
                with app.app_context():  # each request of the test gets an app context of its own
                    for slug in tenants:
                        redis_client.conn.delete(f"hotline:outbox:nudge:{slug}")  # like relay_all
                        nudge(slug)
                time.sleep(0.3)
            return done()

    yield Pump()
    for proc in workers:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except Exception:
                proc.kill()


@pytest.fixture
def receiver(app, client, auth_headers, two_tenants):
    """A webhook receiver; ``receiver.subscribe(types, tenant)`` subscribes it and sets its secret."""
    from integrations.simulators import receiver as sim

    system, url, server = sim.serve()
    made: list[tuple[int, str]] = []

    def subscribe(types=("order.created",), tenant: str = SJZ, path: str = "/hooks") -> dict:
        resp = client.post(
            f"/api/v1/tenants/{tenant}/webhooks",
            json={"url": url + path, "event_types": list(types), "description": "测试接收方"},
            headers=auth_headers(f"city_supervisor@{tenant}"),
        )
        assert resp.status_code == 201, resp.get_json()
        body = resp.get_json()
        system.control(secret=body["secret"])
        made.append((body["id"], tenant))
        return body

    system.subscribe, system.url = subscribe, url
    yield system
    for subscription_id, tenant in made:
        client.delete(
            f"/api/v1/tenants/{tenant}/webhooks/{subscription_id}",
            headers=auth_headers(f"city_supervisor@{tenant}"),
        )
    with app.app_context():
        _drop_pending("webhook:%", {t for _, t in made} | {SJZ})
    server.shutdown()
