"""Outbox handlers that deliver to the city's 110/119/120/122 platform (docs/integrations.md §Outbound).

``POST <endpoint>/incidents`` (an escalation) and ``POST <endpoint>/incidents/<id>/status`` (our
step on their incident), each an EIDO document signed with the platform's secret
(``X-Hotline-Signature``, integrations/signing.py; during a rotation both secrets sign). The
outbox key is the message id, so a resend after a crash is deduplicated by the platform.
2xx: delivered. 408, 425, 429, 5xx and network errors: retried with backoff. Other 4xx: dead letter.
A platform without an endpoint (or disabled) is not configured here: the message waits.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from urllib.parse import quote

from app.audit import service as audit
from app.emergency import outbound, platforms
from app.orders.models import Order
from app.outbox.registry import NotDeliverable, Rejected
from integrations import signing
from tenants import current_tenant, db

from . import eido

TIMEOUT = 5.0
RETRYABLE = {408, 425, 429}
SYSTEM = audit.Actor.system("emergency-adapter")


def signature(secrets: list[str], body: bytes, now: float | None = None) -> str:
    """The header with one ``v1`` per valid secret (the scheme of integrations/signing.py)."""
    t = int(time.time() if now is None else now)
    return ",".join([f"t={t}", *(f"v1={signing.digest(s, t, body)}" for s in secrets)])


def _endpoint(platform: str):
    row = platforms.get(platform)
    if not row.endpoint_url or not row.enabled:
        raise NotDeliverable(
            f"no endpoint configured for the {platform} platform of {current_tenant().slug}"
            if not row.endpoint_url
            else f"the {platform} platform of {current_tenant().slug} is disabled"
        )
    return row, row.endpoint_url.rstrip("/")


def post(url: str, doc: dict, secrets: list[str], message_id: str, timeout: float = TIMEOUT) -> int:
    body = json.dumps(doc, ensure_ascii=False).encode()
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            signing.HEADER: signature(secrets, body),
            "X-Hotline-Message-Id": message_id,
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        if exc.code in RETRYABLE or exc.code >= 500:
            raise NotDeliverable(f"{url} answered {exc.code}") from exc
        raise Rejected(f"{url} refused the message ({exc.code})") from exc
    except (urllib.error.URLError, OSError) as exc:  # refused, reset, timed out
        raise NotDeliverable(f"{url} unreachable ({type(exc).__name__})") from exc


def deliver_escalation(message) -> None:
    """``order.escalated``: the order as a new incident of the target platform."""
    payload = message.payload
    platform = payload["target"]
    row, base = _endpoint(platform)
    order = db.session.get(Order, payload["order_id"])
    if order is None:
        raise Rejected(f"order {payload['order_id']} no longer exists")
    data = outbound.escalation(order, platform, payload.get("reason"))
    doc = eido.build_incident(
        message_id=message.key, tenant=current_tenant().slug, platform=platform, order=data
    )
    post(f"{base}/incidents", doc, platforms.secrets(row), message.key)
    audit.record(
        "emergency.sent",
        actor=SYSTEM,
        order_id=order.id,
        platform=platform,
        message_id=message.key,
        status="new",
    )


def deliver_status(message) -> None:
    """``emergency.status``: our step on an incident the platform handed over."""
    p = message.payload
    row, base = _endpoint(p["platform"])
    doc = eido.build_status(
        message_id=message.key,
        tenant=current_tenant().slug,
        platform=p["platform"],
        incident_id=p["incident_id"],
        order_number=p["number"],
        status=p["status"],
        at=datetime.fromisoformat(p["at"]) if p.get("at") else datetime.now(UTC),
        note=p.get("note"),
    )
    post(
        f"{base}/incidents/{quote(p['incident_id'], safe='')}/status",
        doc,
        platforms.secrets(row),
        message.key,
    )
    audit.record(
        "emergency.sent",
        actor=SYSTEM,
        order_id=p["order_id"],
        platform=p["platform"],
        message_id=message.key,
        status=p["status"],
        incident_id=p["incident_id"],
    )


def register() -> None:
    """Called from the app factory: the real routes of both topics (the placeholder goes)."""
    from app.orders import topics
    from app.outbox.registry import handles

    handles(topics.ESCALATED, deliver_escalation)
    handles(outbound.STATUS, deliver_status)
