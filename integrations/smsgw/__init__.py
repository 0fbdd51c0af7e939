"""SMS gateway adapter: delivers ``channels.sms.reply`` outbox messages over HTTP.

The gateway's send API (``POST {url}/v1/send`` JSON ``{to, text, client_ref}``) is the one the
simulator in ``simulator.py`` speaks; ``client_ref`` is the outbox key, so the gateway drops a
resend. 5xx, 429 and network errors are transient (retried by the outbox), other 4xx permanent.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from app.orders.models import Order
from app.outbox.registry import NotDeliverable, Rejected
from app.pii import PhoneVault
from tenants import db


def make_handler(url: str, timeout: float = 5.0):
    def deliver_sms(message) -> None:
        order = db.session.get(Order, message.payload["order_id"])
        if order is None or not order.caller_phone_enc:
            raise Rejected("the order has no caller phone to answer")
        to = PhoneVault.from_app().decrypt(order.caller_phone_enc)
        body = json.dumps({"to": to, "text": message.payload["text"], "client_ref": message.key}).encode()
        req = urllib.request.Request(
            f"{url.rstrip('/')}/v1/send", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout):
                return
        except urllib.error.HTTPError as exc:
            if exc.code == 429 or exc.code >= 500:
                raise NotDeliverable(f"SMS gateway answered {exc.code}") from exc
            raise Rejected(f"SMS gateway refused the message ({exc.code})") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise NotDeliverable("SMS gateway unreachable") from exc

    return deliver_sms
