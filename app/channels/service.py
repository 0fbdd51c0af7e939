"""One way in for every channel: a message becomes an order through ``orders.intake``.

Idempotent on the sender's message id: the id is the intake ``Idempotency-Key``
(``<channel>:<id>``), so a redelivered message returns the first order and creates nothing.
Channel orders may carry no category: they wait in the desk's triage queue (app/triage).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app

from tenants import current_tenant

from ..auth.principal import Principal
from ..errors import DomainError
from ..orders.intake import IntakeResult, intake
from ..outbox import service as outbox

SMS_REPLY = "channels.sms.reply"  # outbox topic: an SMS back to the citizen through the gateway


class BadSignature(DomainError):
    status = 401


def secret(channel: str) -> bytes:
    """The city's shared secret for a channel (derived from SECRET_KEY; one per city and channel)."""
    key = (current_app.config.get("SECRET_KEY") or "").encode()
    return hmac.new(key, f"channels:{current_tenant().slug}:{channel}".encode(), hashlib.sha256).digest()


def sign(channel: str, raw: bytes) -> str:
    return hmac.new(secret(channel), raw, hashlib.sha256).hexdigest()


def verify(channel: str, raw: bytes, signature: str | None) -> None:
    """``X-Signature: <hex HMAC-SHA256 of the raw body>``; anything else is refused before parsing."""
    if not signature or not hmac.compare_digest(sign(channel, raw), signature.strip().lower()):
        raise BadSignature(f"bad or missing {channel} signature")


def channel_principal(channel: str) -> Principal:
    name = f"channel:{channel}"
    return Principal(subject=name, username=name, roles=frozenset(), tenant=current_tenant().slug)


def receive(channel: str, message_id: str, fields: dict[str, Any]) -> IntakeResult:
    """File the message as an order (``received``; category from the sender or none: triage)."""
    body = {
        "channel": channel,
        "appeal_type": fields.get("appeal_type") or "consultation",
        "category_code": fields.get("category_code"),
        "urgency": "normal",
        "title": fields.get("title"),
        "content": fields["content"],
        "caller": fields.get("caller") or {},
        "confidential": False,
        "address": fields.get("address"),
        "district_code": None,
        "location": fields.get("location"),
        "source_ref": f"{channel}:{message_id}"[:64],
    }
    return intake(channel_principal(channel), body, idempotency_key=f"{channel}:{message_id}")


def reply_sms(result: IntakeResult, message_id: str) -> None:
    """Acknowledge by SMS (受理回执) once per order, sent by the outbox after the commit.

    The payload names the order, never the phone: the gateway adapter decrypts it from the order.
    """
    if not result.created:
        return
    order = result.order
    outbox.publish(
        SMS_REPLY,
        {"order_id": order.id, "text": f"您的诉求已受理，工单号{order.number}。【12345】"},
        key=f"sms-reply:{message_id}",
        destination="sms:gateway",
    )
