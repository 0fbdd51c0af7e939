"""Fixtures of the outbox tests: messages on test-only topics, in-process relays, policy knobs."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete

SJZ, TS = "shijiazhuang", "tangshan"


@pytest.fixture
def line():
    """A destination of its own per test, so other tests' messages never share its line."""
    return f"test:{uuid.uuid4().hex[:12]}"


@pytest.fixture
def policy(app, monkeypatch):
    """policy(max_attempts=3, base=0): set the outbox retry settings for this test."""
    settings = app.extensions["settings"]

    def set_(max_attempts: int = 3, base: float = 0.0, cap: float = 3600.0) -> None:
        monkeypatch.setattr(settings, "outbox_max_attempts", max_attempts)
        monkeypatch.setattr(settings, "outbox_retry_base_seconds", base)
        monkeypatch.setattr(settings, "outbox_retry_max_seconds", cap)

    return set_


@pytest.fixture
def topic(app_ctx):
    """topic(handler) -> a test-only topic routed to handler; unregistered and its messages deleted after."""
    from app.outbox import registry
    from app.outbox.models import OutboxMessage
    from tenants import db, tenant_context

    made: list[str] = []

    def make(handler) -> str:
        name = f"test.{uuid.uuid4().hex[:10]}"
        registry.handles(name, handler)
        made.append(name)
        return name

    yield make
    for name in made:
        registry._routes.pop(name, None)
    for slug in (SJZ, TS):
        with tenant_context(slug):
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.topic.in_(made)))
            db.session.commit()


@pytest.fixture
def put(app_ctx, two_tenants):
    """put(topic, destination, tenant=SJZ, **payload) -> id of a committed message."""
    from app.outbox.service import publish
    from tenants import db, tenant_context

    def run(topic: str, destination: str, tenant: str = SJZ, **payload) -> int:
        with tenant_context(tenant):
            m = publish(topic, payload, key=f"{topic}:{uuid.uuid4().hex}", destination=destination)
            db.session.commit()
            return m.id

    return run


@pytest.fixture
def relay_in(app_ctx, two_tenants):
    """relay_in(tenant=SJZ) -> delivered count of one in-process relay of that city.

    Both cities are relayed once first, so the counts are this test's messages only: what the
    files before it left due depends on which files ran before it (xdist worker, -k, order).
    """
    from app.outbox.service import relay
    from tenants import tenant_context

    for slug in (SJZ, TS):
        with tenant_context(slug):
            relay()

    def run(tenant: str = SJZ) -> int:
        with tenant_context(tenant):
            return relay()

    return run


@pytest.fixture
def message(app_ctx):
    """message(id, tenant=SJZ) -> the row's state as a dict (fresh read)."""
    from app.outbox.models import OutboxMessage
    from tenants import db, tenant_context

    def read(message_id: int, tenant: str = SJZ) -> dict:
        with tenant_context(tenant):
            m = db.session.get(OutboxMessage, message_id)
            return {c.name: getattr(m, c.name) for c in OutboxMessage.__table__.columns} | {"state": m.state}

    return read
