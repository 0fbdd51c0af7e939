"""Signed messages to and from outside systems (emergency platforms, utilities, webhooks).

One scheme for every signed HTTP message (docs/integrations.md): the header
``X-Hotline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` with a
secret per platform, client or subscription. A receiver accepts a message only when one of
the ``v1`` values matches (several are allowed so a secret can be rotated) and ``t`` lies
within the replay window; replays inside the window are the receiver's idempotency key's job
(message id), not the signature's.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

HEADER = "X-Hotline-Signature"
REPLAY_WINDOW_SECONDS = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, wrong or outside the replay window."""


@dataclass(frozen=True)
class Signature:
    timestamp: int
    digests: tuple[str, ...]


def digest(secret: str | bytes, timestamp: int, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, *, now: float | None = None) -> str:
    """The header value for ``body`` signed with ``secret`` at ``now`` (default: the clock)."""
    t = int(time.time() if now is None else now)
    return f"t={t},v1={digest(secret, t, body)}"


def parse(header: str | None) -> Signature:
    if not header:
        raise SignatureError(f"missing {HEADER} header")
    t: int | None = None
    digests: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            t = int(value)
        elif key == "v1" and len(value) == 64:
            digests.append(value.lower())
    if t is None or not digests:
        raise SignatureError(f"malformed {HEADER} header: expected t=<unix>,v1=<hex>")
    return Signature(t, tuple(digests))


def verify(
    secrets: str | bytes | list[str | bytes],
    header: str | None,
    body: bytes,
    *,
    now: float | None = None,
    window: int = REPLAY_WINDOW_SECONDS,
) -> int:
    """Check ``header`` for ``body``; returns the signed timestamp or raises ``SignatureError``."""
    sig = parse(header)
    clock = time.time() if now is None else now
    if abs(clock - sig.timestamp) > window:
        raise SignatureError(f"signature timestamp outside the {window} s replay window")
    candidates = secrets if isinstance(secrets, list) else [secrets]
    for secret in candidates:
        if not secret:
            continue
        expected = digest(secret, sig.timestamp, body)
        if any(hmac.compare_digest(expected, d) for d in sig.digests):
            return sig.timestamp
    raise SignatureError("signature does not match")
