"""Mask personal data in documents shown to operators (outbox payloads, error texts).

Fields are recognised by name (``phone``, ``mobile``, ``caller_number``...; a ``name`` inside
a caller or contact object; identity card numbers), and mobile numbers anywhere in free text.
Masking keeps the shape: 138****5678, 张**.
"""

from __future__ import annotations

import re
from typing import Any

from .crypto import InvalidPhone, mask_phone, normalize_phone

_PHONE_FIELD = re.compile(r"phone|mobile|tel(?:ephone)?$|caller_number|callback_number|msisdn", re.I)
_ID_FIELD = re.compile(r"id_?card|id_?number|identity", re.I)
_PERSON = re.compile(r"caller|contact|reporter|person", re.I)
_NAME_FIELD = re.compile(r"(?:^|_)name$", re.I)
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_DIGITS = re.compile(r"\D")


def mask_text(text: str) -> str:
    """Mobile numbers inside free text become 138****5678."""
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def _mask_number(text: str) -> str:
    try:
        digits = normalize_phone(text)
    except InvalidPhone:
        digits = _DIGITS.sub("", text)
    return mask_phone(digits) if digits else "***"


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 2) if name else name


def redact(value: Any, *, field: str = "", person: bool = False) -> Any:
    """A copy of ``value`` (JSON-like) with personal data masked."""
    if isinstance(value, dict):
        inner = person or bool(_PERSON.search(field))
        return {k: redact(v, field=str(k), person=inner) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, field=field, person=person) for v in value]
    if not isinstance(value, str | int) or isinstance(value, bool):
        return value
    text = str(value)
    if _PHONE_FIELD.search(field):
        return _mask_number(text)
    if _ID_FIELD.search(field):
        return "*" * max(len(text) - 4, 3) + text[-4:]
    if _NAME_FIELD.search(field) and (person or _PERSON.search(field)):
        return mask_name(text)
    return mask_text(text) if isinstance(value, str) else value
