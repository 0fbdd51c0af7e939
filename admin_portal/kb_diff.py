"""Version differences of a knowledge article as the versions page shows them (版本对比): the
stored unified diff as coloured lines, or the two versions side by side."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)")


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, text) lines to colour: add, del, same, or hunk (its first line number)."""
    out = []
    for line in (diff or "").splitlines()[2:]:  # past the ---/+++ header
        if m := _HUNK.match(line):
            out.append(("hunk", m.group(1)))
        else:
            kind = {"+": "add", "-": "del"}.get(line[:1], "same")
            out.append((kind, line[1:] or " "))
    return out


@dataclass(frozen=True)
class Row:
    """One row of the side-by-side view; a side is None where the other version has no line."""

    kind: str  # same, change, del, add
    before_no: int | None
    before: str | None
    after_no: int | None
    after: str | None


def side_by_side(before: str, after: str) -> list[Row]:
    """The previous version's lines beside this version's, aligned by ``difflib``: changed lines
    face each other, removed and added ones face a gap."""
    old, new = (before or "").splitlines(), (after or "").splitlines()
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        kind = {"equal": "same", "replace": "change", "delete": "del", "insert": "add"}[tag]
        for k in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + k, j1 + k
            rows.append(
                Row(
                    kind,
                    i + 1 if i < i2 else None,
                    old[i] if i < i2 else None,
                    j + 1 if j < j2 else None,
                    new[j] if j < j2 else None,
                )
            )
    return rows
