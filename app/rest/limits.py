"""What the database can hold, in one place (PostgreSQL's integer types, text rules)."""

from __future__ import annotations

import re

BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1
INT_MAX = 2**31 - 1

# Dates and instants the platform computes with (deadlines add working days, KPIs span years).
FIRST_YEAR, LAST_YEAR = 1900, 2999

# PostgreSQL text cannot hold U+0000, and a lone surrogate cannot be encoded in UTF-8.
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "text must not contain NUL (U+0000) or unpaired surrogates (U+D800-U+DFFF)"


def storable(text: str) -> bool:
    return UNSTORABLE_TEXT.search(text) is None
