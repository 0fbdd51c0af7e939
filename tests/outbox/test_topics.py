"""Every topic the code publishes has a route; an unknown topic is refused at publish."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("app", "integrations", "tenants")


def published_topics() -> dict[str, list[str]]:
    """topic -> the places (module:line) that publish it, found by reading every ``publish(...)`` call.

    The topic argument must be a literal or a name the module can resolve (a constant), so a
    topic built at run time cannot slip past this test.
    """
    found: dict[str, list[str]] = {}
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            module = None
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name != "publish" or not node.args:
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                arg = node.args[0]
                if isinstance(arg, ast.Constant):
                    topic = arg.value
                else:
                    assert isinstance(arg, ast.Name | ast.Attribute), f"{where}: publish a constant topic"
                    if module is None:
                        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                        module = importlib.import_module(dotted.removesuffix(".__init__"))
                    topic = _resolve(arg, module)
                assert isinstance(topic, str), f"{where}: topic {topic!r} is not a string"
                found.setdefault(topic, []).append(where)
    return found


def _resolve(node: ast.expr, module) -> object:
    """The value of ``NAME`` or ``a.b.NAME`` in the module's namespace."""
    if isinstance(node, ast.Name):
        return getattr(module, node.id)
    return getattr(_resolve(node.value, module), node.attr)


def test_the_scan_finds_the_known_publishers():
    topics = published_topics()
    # the scan itself works: these are published today (more may be added, never fewer)
    assert {
        "order.transfer_requested",
        "order.escalated",
        "order.deadline_warning",
        "order.overdue",
        "transfer.remote",
    } <= set(topics)
    assert any(w.startswith("app/orders/sweep.py") for w in topics["order.overdue"])


def test_every_published_topic_has_a_route_after_create_app(app_ctx, two_tenants):
    from app.outbox.models import OutboxMessage
    from app.outbox.registry import routes
    from app.outbox.service import publish
    from tenants import db, tenant_context

    topics = published_topics()
    missing = {t: w for t, w in topics.items() if t not in routes()}
    assert not missing, f"published without a handler: {missing}"
    with tenant_context("shijiazhuang"):
        for topic in topics:  # publish accepts each of them (rolled back: nothing is sent)
            assert isinstance(
                publish(topic, {"probe": True}, key=f"probe:{topic}", destination="probe"), OutboxMessage
            )
        db.session.rollback()


def test_topics_without_an_adapter_wait_instead_of_being_delivered(app_ctx):
    from app.outbox.registry import NotDeliverable, routes

    waiting = {t: r for t, r in routes().items() if not r.has_adapter}
    assert {"order.deadline_warning", "order.overdue"} <= set(waiting)

    class Msg:
        payload = {"target": "110", "department": "zjj"}

    with pytest.raises(NotDeliverable, match="zjj"):
        waiting["order.overdue"].handler(Msg())
    assert routes()["order.transfer_requested"].has_adapter and routes()["transfer.remote"].has_adapter
    # emergency linkage (docs/integrations.md): real adapters; a city without an endpoint waits
    assert routes()["order.escalated"].has_adapter and routes()["emergency.status"].has_adapter


def test_an_unknown_topic_raises_at_publish_and_writes_nothing(app_ctx, two_tenants):
    from sqlalchemy import func, select

    from app.outbox.models import OutboxMessage
    from app.outbox.registry import UnknownTopic
    from app.outbox.service import publish
    from tenants import db, tenant_context

    with tenant_context("shijiazhuang"):
        before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        with pytest.raises(UnknownTopic, match=r"order\.nobody_listens"):
            publish("order.nobody_listens", {}, key="k", destination="d")
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before


def test_one_real_handler_per_topic_and_adapters_replace_placeholders(app_ctx):
    from app.outbox import registry

    topic = "test.registry.placeholder"
    try:
        registry.awaits_adapter(topic, "no adapter for {target}")
        assert not registry.route(topic).has_adapter

        def deliver(message):
            return None

        def other(message):
            return None

        registry.handles(topic, deliver)  # the adapter arrives: it replaces the placeholder
        assert registry.route(topic).handler is deliver
        registry.handles(topic, deliver)  # create_app twice: same handler, fine
        registry.awaits_adapter(topic, "no adapter")  # never downgrades a real handler
        assert registry.route(topic).handler is deliver
        with pytest.raises(ValueError, match="already has a handler"):
            registry.handles(topic, other)
    finally:
        registry._routes.pop(topic, None)
