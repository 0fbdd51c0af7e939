"""The hash chain, as pure functions (used by the writer and by ``audit verify``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical(
    seq: int, occurred_at: datetime, actor: str, actor_roles: str, action: str, order_id: int | None, data: Any
) -> bytes:
    body = {
        "seq": seq,
        "at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "roles": actor_roles,
        "action": action,
        "order": order_id,
        "data": data,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def link(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + payload).hexdigest()


@dataclass
class Break:
    seq: int
    problem: str


def verify_rows(rows, head_seq: int, head_hash: str) -> list[Break]:
    """rows: iterable of entries ordered by seq. Returns every break found (empty = intact)."""
    problems: list[Break] = []
    expected_seq, prev = 1, GENESIS
    for row in rows:
        if row.seq != expected_seq:
            problems.append(Break(expected_seq, f"missing entries {expected_seq}..{row.seq - 1} (deleted?)"))
        if row.prev_hash != prev:
            problems.append(Break(row.seq, "previous-hash link broken"))
        payload = canonical(row.seq, row.occurred_at, row.actor, row.actor_roles, row.action, row.order_id, row.data)
        if link(row.prev_hash, payload) != row.hash:
            problems.append(Break(row.seq, "content does not match its hash (edited?)"))
        expected_seq, prev = row.seq + 1, row.hash
    if expected_seq - 1 != head_seq or prev != head_hash:
        problems.append(Break(expected_seq, f"chain ends at {expected_seq - 1} but the head says {head_seq}"))
    return problems
