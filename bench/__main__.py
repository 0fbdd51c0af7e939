"""``make bench``: run every benchmark (or those named: ``python -m bench migrations auth``)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "migrations",
    "auth",
    "intake",
    "province",
    "outbox_lines",
    "outbox",
    "web",
    "province_web",
    "triage",
    "exports",
    "kb",
]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    failed = []
    for name in names:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"== {name}: not present, skipped")
                continue
            raise
        print(f"== {name}", flush=True)
        if module.main([]) != 0:
            failed.append(name)
    if failed:
        print("targets missed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
