"""Utility companies' systems: dispatches out (``deliver``), their answers in (``api.blp``).

Outbound: each ``utility.message`` outbox message is POSTed to the department's endpoint,
signed (``X-Hotline-Signature``), with the outbox key as ``message_id``, so the utility applies
a resend once; failures are retried by the outbox (integrations/signed_http.py).
See docs/integrations.md, "Utilities".
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from app.outbox.registry import NotDeliverable
from app.utilities import service as utilities
from integrations.signed_http import post_signed


def deliver(message) -> None:
    """Outbox handler of ``utility.message`` (runs in the message's city)."""
    payload = message.payload
    endpoint = utilities.endpoint(payload["department"])
    if endpoint is None or not endpoint.active:
        raise NotDeliverable(f"department {payload['department']} has no active endpoint")
    public = current_app.extensions["settings"].public_url
    body = {
        "message_id": message.key,
        **payload,
        "reply_to": public + utilities.inbound_path(payload["tenant"]),
        "sender": utilities.sender_name(payload["department"], payload["tenant"]),
        "sent_at": datetime.now(UTC).isoformat(),
    }
    post_signed(endpoint.url, body, endpoint.secrets[0], message.key, what="utility")
