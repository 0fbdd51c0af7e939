"""POST a signed JSON message and map the receiver's answer onto the outbox's failures.

Shared by the utilities and webhook adapters: the body is signed with ``integrations.signing``
(``X-Hotline-Signature``) and carries the outbox key as ``Idempotency-Key``. 2xx is delivered;
408, 425, 429, 5xx and network errors are transient (``NotDeliverable``: the outbox backs off
and retries); any other 4xx is a refusal for good (``Rejected``: a dead letter at once).

Connections are kept alive per receiver and thread: the relay of a city delivers one message
after another, and a new TCP (and TLS) connection for each was most of a delivery's cost. A
kept connection the receiver closed meanwhile is replaced once; receivers dedupe, so the rare
resend this may cause is harmless.
"""

from __future__ import annotations

import http.client
import json
import threading
from urllib.parse import urlsplit

from app.outbox.registry import NotDeliverable, Rejected
from integrations import signing

TIMEOUT_SECONDS = 5.0
MAX_ANSWER = 65536
_local = threading.local()


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
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Rejected(f"{what} URL is not http(s): {url!r}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent = {
        "Content-Type": "application/json",
        signing.HEADER: signing.sign(secret, raw),
        "Idempotency-Key": key,
        "User-Agent": "hotline-12345",
        **(headers or {}),
    }
    try:
        status = _exchange(parts, path, raw, sent, timeout)
    except (OSError, http.client.HTTPException) as exc:
        raise NotDeliverable(f"{what} unreachable: {type(exc).__name__}: {exc}") from exc
    if 200 <= status < 300:
        return status
    if status in (408, 425, 429) or status >= 500:
        raise NotDeliverable(f"{what} answered {status}")
    raise Rejected(f"{what} refused the message ({status})")


def _exchange(parts, path: str, raw: bytes, headers: dict, timeout: float) -> int:
    """One request on the kept connection to that receiver; once more on a fresh one if it died."""
    pool = getattr(_local, "connections", None)
    if pool is None:
        pool = _local.connections = {}
    where = (parts.scheme, parts.netloc)
    for attempt in (1, 2):
        conn = pool.pop(where, None)
        reused = conn is not None
        if conn is None:
            factory = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            conn = factory(parts.hostname, parts.port, timeout=timeout)
        try:
            conn.request("POST", path, raw, headers)
            resp = conn.getresponse()
            resp.read(MAX_ANSWER)
        except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
            conn.close()
            if reused and attempt == 1:
                continue  # the receiver closed the idle connection: try a fresh one
            raise
        except BaseException:
            conn.close()
            raise
        if resp.will_close or not resp.isclosed():
            conn.close()
        else:
            pool[where] = conn
        return resp.status
    raise ConnectionError("unreachable")  # not reached: the second attempt returns or raises
