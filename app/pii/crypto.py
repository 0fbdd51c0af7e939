"""Phone numbers: AES-256-GCM at rest, HMAC-SHA256 lookup hash, masked display; the same keys
seal integration secrets (utility endpoints, webhook subscriptions) under their own purpose.

Keys come from settings (PII_ENCRYPTION_KEY, PII_HASH_KEY), never from the repository.
Ciphertexts carry a one-byte key id so keys can rotate: new writes use the first key,
old rows stay readable while the previous key is still listed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

_NON_DIGITS = re.compile(r"[^\d]")


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str) -> str:
    """Digits only, without +86/0086 country prefix; 5-20 digits (hotlines also get landlines)."""
    digits = _NON_DIGITS.sub("", raw or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix) :]
    if not 5 <= len(digits) <= 20:
        raise InvalidPhone("phone must have 5 to 20 digits")
    return digits


def mask_phone(phone: str | None) -> str | None:
    """138****5678 for mobiles; keep only the last four digits of anything else."""
    if not phone:
        return phone
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * max(len(phone) - 4, 3) + phone[-4:]


def _key(value: str) -> bytes:
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    if len(raw) < 32:
        raise ValueError("PII keys must be at least 32 bytes (base64)")
    return raw[:32]


class PhoneVault:
    """Encrypts, decrypts and hashes phone numbers with the configured keys."""

    def __init__(self, encryption_keys: list[str], hash_key: str):
        if not encryption_keys:
            raise ValueError("at least one PII encryption key is required")
        self._keys = [(i + 1, AESGCM(_key(k))) for i, k in enumerate(encryption_keys)]
        self._by_id = dict(self._keys)
        self._hash_key = _key(hash_key)

    @classmethod
    def from_app(cls) -> PhoneVault:
        vault = current_app.extensions.get("phone_vault")
        if vault is None:
            settings = current_app.extensions["settings"]
            keys = [k.strip() for k in settings.pii_key.split(",") if k.strip()]
            vault = cls(keys, settings.pii_hash_key)
            current_app.extensions["phone_vault"] = vault
        return vault

    def encrypt(self, phone: str) -> bytes:
        return self.seal(phone, b"phone")

    def decrypt(self, blob: bytes) -> str:
        return self.unseal(blob, b"phone")

    def seal(self, value: str, purpose: bytes) -> bytes:
        """Encrypt ``value`` bound to ``purpose`` (a phone never opens as a webhook secret)."""
        key_id, aead = self._keys[0]
        nonce = os.urandom(12)
        return bytes([key_id]) + nonce + aead.encrypt(nonce, value.encode(), purpose)

    def unseal(self, blob: bytes, purpose: bytes) -> str:
        aead = self._by_id.get(blob[0])
        if aead is None:
            raise ValueError(f"no key with id {blob[0]} to decrypt this value")
        return aead.decrypt(blob[1:13], blob[13:], purpose).decode()

    def lookup_hash(self, phone: str) -> str:
        """Keyed hash for repeat-caller search; useless without the key (no rainbow tables)."""
        return hmac.new(self._hash_key, phone.encode(), hashlib.sha256).hexdigest()
