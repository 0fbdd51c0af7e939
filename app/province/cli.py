"""``flask --app wsgi province rebuild-facts [--tenant X] [--dry-run]``."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

from tenants.context import UnknownTenant
from tenants.fanout import for_each_tenant

from . import rebuild as rebuilder

province_cli = AppGroup("province", help="The provincial layer: facts, KPIs, transfers.")


@province_cli.command("rebuild-facts")
@click.option(
    "--tenant", "tenants", multiple=True, help="Only this city (repeatable); default: every active city."
)
@click.option("--dry-run", is_flag=True, help="Report differences, change nothing (exit 1 when any).")
def rebuild_facts(tenants: tuple[str, ...], dry_run: bool) -> None:
    """Recompute the province facts and KPI rollups from the tenant schemas; report differences."""

    def one(slug: str) -> bool:
        started = time.perf_counter()
        report = rebuilder.rebuild(slug, dry_run=dry_run)
        color = "green" if report.clean else ("yellow" if report.fixed else "red")
        click.secho(f"{report.summary()} [{time.perf_counter() - started:.2f}s]", fg=color)
        for example in report.examples:
            click.echo(f"    {example}")
        return not report.clean

    try:
        differs = for_each_tenant(one, tenants or None)
    except* UnknownTenant as group:
        for exc in group.exceptions:
            click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(3)
    if not tenants:
        stale = rebuilder.orphans(dry_run=dry_run)
        if stale:
            differs += 1
            click.secho(f"rows of dropped cities: {stale} {'found' if dry_run else 'deleted'}", fg="yellow")
    if dry_run and differs:
        sys.exit(1)
