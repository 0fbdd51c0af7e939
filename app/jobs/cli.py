"""``flask --app wsgi worker`` and ``flask --app wsgi scheduler``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from rq import Worker
from rq.cron import CronScheduler

from ..extensions import redis_client
from .runner import QUEUES, queue, run_job
from .schedule import entries


@click.command("worker")
@click.option("--queues", "-q", default=",".join(QUEUES), show_default=True, help="Comma-separated queues.")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--with-scheduler/--no-scheduler", default=True, help="Also move due delayed jobs and retries.")
@with_appcontext
def worker_command(queues: str, burst: bool, with_scheduler: bool) -> None:
    """Run an rq worker on the platform's queues."""
    names = [q.strip() for q in queues.split(",") if q.strip()]
    worker = Worker([queue(n) for n in names], connection=redis_client.conn)
    worker.work(burst=burst, with_scheduler=with_scheduler, logging_level="INFO")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Enqueue the platform's periodic jobs (deadline sweep, outbox relay, ...)."""
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
        click.echo(f"scheduled {entry.func} on {entry.queue} every {entry.interval or entry.cron}")
    cron.start()
