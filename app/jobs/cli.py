"""``flask --app wsgi worker`` and ``flask --app wsgi scheduler``."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import Worker
from rq.cron import CronScheduler

from ..extensions import redis_client
from ..startup import preflight
from .runner import QUEUES, queue, run_job
from .schedule import entries

log = logging.getLogger(__name__)


@click.command("worker")
@click.option("--queues", "-q", default=",".join(QUEUES), show_default=True, help="Comma-separated queues.")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--with-scheduler/--no-scheduler", default=True, help="Also move due delayed jobs and retries.")
@with_appcontext
def worker_command(queues: str, burst: bool, with_scheduler: bool) -> None:
    """Run an rq worker on the platform's queues."""
    names = [q.strip() for q in queues.split(",") if q.strip()]
    preflight()  # a server that is down or misnamed: one line now, not a traceback later
    worker = Worker([queue(n) for n in names], connection=redis_client.conn)
    level = current_app.extensions["settings"].log_level
    worker.work(burst=burst, with_scheduler=with_scheduler, logging_level=level)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Enqueue the platform's periodic jobs (deadline sweep, outbox relay, ...)."""
    preflight()
    cron = CronScheduler(connection=redis_client.conn)
    for entry in entries():
        cron.register(
            run_job,
            queue_name=entry.queue,
            args=(entry.func, None, [], {}),
            interval=entry.interval,
            cron=entry.cron,
            name=entry.func,
        )
        log.info("scheduled %s on %s every %s", entry.func, entry.queue, entry.interval or entry.cron)
    cron.start()
