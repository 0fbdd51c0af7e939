"""Webhook deliveries: each ``webhook.delivery`` outbox message is POSTed to its subscription.

The body is the event (``id``, ``type``, ``tenant``, ``occurred_at``, ``data``), signed with the
subscription's secret (``X-Hotline-Signature``); ``X-Hotline-Event-Id`` (also ``Idempotency-Key``)
is what the receiver dedupes on, ``X-Hotline-Delivery`` names this delivery in the log.
Transient failures are retried by the outbox with back-off (integrations/signed_http.py).
See docs/integrations.md, "Webhooks".
"""

from __future__ import annotations

from app import egress
from app.outbox.registry import Rejected
from app.webhooks import service as webhooks
from integrations.signed_http import post_signed


def deliver(message) -> None:
    """Outbox handler of ``webhook.delivery`` (runs in the subscription's city)."""
    target = webhooks.targets().get(message.payload["subscription_id"])
    if target is None:
        raise Rejected("the subscription was deleted")
    if not target.active:
        raise Rejected("the subscription is paused (active: false); replay after resuming it")
    event = message.payload["event"]
    allowed = egress.allowed_networks()  # a URL typed by a city admin: public or allowed addresses only
    post_signed(
        target.url,
        event,
        target.secret,
        event["id"],
        what="webhook receiver",
        headers={
            "X-Hotline-Event": event["type"],
            "X-Hotline-Event-Id": event["id"],
            "X-Hotline-Delivery": str(message.id),
        },
        resolve=lambda host, port: egress.resolve(host, port, allowed),
    )
