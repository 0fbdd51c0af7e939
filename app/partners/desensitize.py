"""What a data partner may see of an order's free text (docs/partners.md "Desensitization").

Pure functions. Phone numbers (mobile and fixed line), identity card numbers, other long digit
runs (bank cards, licence numbers), e-mail addresses and the caller's own name are replaced by
``***``. Addresses are never given (only the district) and coordinates are rounded to 0.01°
(about 1 km), so a single household cannot be pointed at.
"""

from __future__ import annotations

import re

MASK = "***"
_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"),  # 18-digit identity card
    re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"),  # mobile
    re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"),  # fixed line with area code
    re.compile(r"(?<!\d)\d{7,}(?!\d)"),  # any other long number (local lines, cards, plates' digits)
)
GRID = 2  # decimals kept of a coordinate: 0.01° is about 1.1 km north-south


def text(value: str | None, caller_name: str | None = None) -> str | None:
    """``value`` with personal data replaced by ``***``."""
    if not value:
        return value
    out = value
    for pattern in _PATTERNS:
        out = pattern.sub(MASK, out)
    name = (caller_name or "").strip()
    if len(name) >= 2:  # a one-character "name" would blank ordinary words
        out = out.replace(name, MASK)
    return out


def coordinate(value: float | None) -> float | None:
    return None if value is None else round(float(value), GRID)
