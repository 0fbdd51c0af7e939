"""Caller identity is personal data: encrypt at rest, hash for lookup, mask for display."""

from .crypto import PhoneVault, mask_phone, normalize_phone

__all__ = ["PhoneVault", "mask_phone", "normalize_phone"]
