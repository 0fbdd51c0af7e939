"""Who delivers each outbox topic: one route per topic, registered from the app factory.

A topic nobody handles is refused at publish (``UnknownTopic``): a message that can never
leave must not be written. Until the adapter of a topic exists, the app factory registers a
placeholder (``awaits_adapter``) whose delivery fails with ``NotDeliverable``: the message waits,
backs off and ends in the dead letter, visible, never "delivered". An adapter registering a real
handler later (``handles``) replaces the placeholder; two real handlers for one topic are refused.
See docs/architecture.md §7.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Handler = Callable[[Any], None]  # called with the OutboxMessage, inside the message's tenant


class UnknownTopic(LookupError):
    """``publish`` of a topic with no registered route: a programming error, raised at once."""

    def __init__(self, topic: str):
        super().__init__(
            f"no outbox handler for topic {topic!r}: register one (or awaits_adapter) in the app factory"
        )
        self.topic = topic


class NotDeliverable(Exception):
    """The destination cannot take the message now (down, not configured): retry with backoff."""


class Rejected(Exception):
    """The destination refused the message for good (e.g. a 4xx): dead letter at once, no retries."""


@dataclass(frozen=True)
class Route:
    topic: str
    handler: Handler
    awaiting: str | None = None  # the placeholder's reason: which adapter is missing
    writes: bool = True  # False: the handler only talks to the outside (no savepoint needed)

    @property
    def has_adapter(self) -> bool:
        return self.awaiting is None


_routes: dict[str, Route] = {}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def handles(topic: str, handler: Handler, *, writes: bool = True) -> None:
    """Register the delivery handler of ``topic`` (idempotent for the same handler).

    ``writes=False`` declares a handler that changes nothing in the database (an HTTP delivery):
    the relay then calls it without a savepoint of its own, two round trips less per message.
    """
    current = _routes.get(topic)
    if current is not None and current.has_adapter and current.handler is not handler:
        raise ValueError(f"outbox topic {topic!r} already has a handler ({current.handler.__qualname__})")
    _routes[topic] = Route(topic, handler, writes=writes)


def awaits_adapter(topic: str, reason: str) -> None:
    """Register a placeholder: deliveries fail with ``reason`` (formatted with the payload).

    Does nothing when a real handler is already registered (create_app may run twice).
    """
    current = _routes.get(topic)
    if current is not None and current.has_adapter:
        return

    def wait_for_adapter(message: Any) -> None:
        payload = message.payload if isinstance(message.payload, Mapping) else {}
        raise NotDeliverable(reason.format_map(_Blank(payload)))

    wait_for_adapter.__qualname__ = f"awaits_adapter({topic!r})"
    _routes[topic] = Route(topic, wait_for_adapter, awaiting=reason)


def route(topic: str) -> Route:
    try:
        return _routes[topic]
    except KeyError:
        raise UnknownTopic(topic) from None


def routes() -> dict[str, Route]:
    return dict(sorted(_routes.items()))


def topics() -> list[str]:
    return sorted(_routes)
