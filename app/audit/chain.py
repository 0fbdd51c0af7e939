"""Verifying the hash chain (pure). The payload text is rendered by the database function
``audit_payload`` from an entry's stored fields, both when sealing and when verifying, so a
field edited after sealing no longer matches its hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

GENESIS = "0" * 64


def link(prev_hash: str, payload: str) -> str:
    """sha256(prev_hash || payload) in hex: what ``audit_seal`` computes in the database."""
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


@dataclass
class Break:
    seq: int
    problem: str


def verify_rows(rows, head_seq: int, head_hash: str) -> list[Break]:
    """rows: (seq, prev_hash, hash, payload) ordered by seq. Returns every break (empty = intact)."""
    problems: list[Break] = []
    expected_seq, prev = 1, GENESIS
    for seq, prev_hash, digest, payload in rows:
        if seq != expected_seq:
            problems.append(Break(expected_seq, f"missing entries {expected_seq}..{seq - 1} (deleted?)"))
        if prev_hash != prev:
            problems.append(Break(seq, "previous-hash link broken"))
        if link(prev_hash or "", payload) != digest:
            problems.append(Break(seq, "content does not match its hash (edited?)"))
        expected_seq, prev = seq + 1, digest
    if expected_seq - 1 != head_seq or prev != head_hash:
        problems.append(Break(expected_seq, f"chain ends at {expected_seq - 1} but the head says {head_seq}"))
    return problems
