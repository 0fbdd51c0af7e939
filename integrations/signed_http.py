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
import socket
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from app.egress import UnsafeTarget
from app.outbox.registry import NotDeliverable, Rejected
from integrations import signing

Resolver = Callable[[str, int], str]  # (host, port) -> the checked address to connect to (app/egress.py)

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
    resolve: Resolver | None = None,
) -> int:
    """Returns the receiver's status code (2xx); raises NotDeliverable or Rejected otherwise.
    ``resolve``: new connections go to the address it answers (an unsafe one is a Rejected)."""
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
        status = _exchange(parts, path, raw, sent, timeout, resolve)
    except UnsafeTarget as exc:
        raise Rejected(f"{what} address refused: {exc}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise NotDeliverable(f"{what} unreachable: {type(exc).__name__}: {exc}") from exc
    if 200 <= status < 300:
        return status
    if status in (408, 425, 429) or status >= 500:
        raise NotDeliverable(f"{what} answered {status}")
    raise Rejected(f"{what} refused the message ({status})")


class _PinnedHTTP(http.client.HTTPConnection):
    """A connection to an address checked beforehand; ``Host`` stays the URL's name."""

    def __init__(self, host, port, *, address: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout, self.source_address)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against the URL's name (SNI too)."""

    def __init__(self, host, port, *, address: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout, self.source_address)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _open(parts, timeout: float, resolve: Resolver | None) -> http.client.HTTPConnection:
    https = parts.scheme == "https"
    if resolve is None:
        factory = http.client.HTTPSConnection if https else http.client.HTTPConnection
        return factory(parts.hostname, parts.port, timeout=timeout)
    address = resolve(parts.hostname, parts.port or (443 if https else 80))
    return (_PinnedHTTPS if https else _PinnedHTTP)(
        parts.hostname, parts.port, address=address, timeout=timeout
    )


def _exchange(parts, path: str, raw: bytes, headers: dict, timeout: float, resolve: Resolver | None) -> int:
    """One request on the kept connection to that receiver; once more on a fresh one if it died."""
    pool = getattr(_local, "connections", None)
    if pool is None:
        pool = _local.connections = {}
    where = (parts.scheme, parts.netloc)
    for attempt in (1, 2):
        conn = pool.pop(where, None)
        reused = conn is not None
        if conn is None:
            conn = _open(parts, timeout, resolve)
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
