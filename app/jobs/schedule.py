"""Declarative periodic jobs, run by ``flask --app wsgi scheduler`` (rq CronScheduler).

Each entry fans out per tenant inside its own function; the scheduler only enqueues.
Domains add entries with ``every(...)`` from the app factory.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Periodic:
    func: str  # dotted path, run through app.jobs.runner.run_job
    queue: str
    interval: int | None = None  # seconds
    cron: str | None = None


_SCHEDULE: list[Periodic] = []


def every(func: str, *, queue: str, seconds: int | None = None, cron: str | None = None) -> None:
    entry = Periodic(func, queue, seconds, cron)
    if entry not in _SCHEDULE:
        _SCHEDULE.append(entry)


def entries() -> list[Periodic]:
    return list(_SCHEDULE)
