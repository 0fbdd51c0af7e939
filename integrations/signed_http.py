"""POST a signed JSON message and map the receiver's answer onto the outbox's failures.

Shared by the utilities and webhook adapters: the body is signed with ``integrations.signing``
(``X-Hotline-Signature``) and carries the outbox key as ``Idempotency-Key``. 2xx is delivered;
408, 425, 429, 5xx and network errors are transient (``NotDeliverable``: the outbox backs off
and retries); any other 4xx is a refusal for good (``Rejected``: a dead letter at once).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from app.outbox.registry import NotDeliverable, Rejected
from integrations import signing

TIMEOUT_SECONDS = 5.0


def post_signed(
    url: str,
    body: dict,
    secret: str,
    key: str,
    *,
    what: str,
    headers: dict[str, str] | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> int:
    """Returns the receiver's status code (2xx); raises NotDeliverable or Rejected otherwise."""
    raw = json.dumps(body, ensure_ascii=False, default=str).encode()
    req = urllib.request.Request(
        url,
        data=raw,
        method="POST",
        headers={
            "Content-Type": "application/json",
            signing.HEADER: signing.sign(secret, raw),
            "Idempotency-Key": key,
            "User-Agent": "hotline-12345",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read(65536)
            return resp.status
    except urllib.error.HTTPError as exc:
        if exc.code in (408, 425, 429) or exc.code >= 500:
            raise NotDeliverable(f"{what} answered {exc.code}") from exc
        raise Rejected(f"{what} refused the message ({exc.code})") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise NotDeliverable(f"{what} unreachable: {getattr(exc, 'reason', exc)}") from exc
