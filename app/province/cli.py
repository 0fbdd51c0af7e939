"""``flask --app wsgi province rebuild-facts [--tenant X] [--dry-run]``."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

from tenants.context import UnknownTenant
from tenants.provision import list_tenants

from . import rebuild as rebuilder

province_cli = AppGroup("province", help="The provincial layer: facts, KPIs, transfers.")


@province_cli.command("rebuild-facts")
@click.option(
    "--tenant", "tenants", multiple=True, help="Only this city (repeatable); default: every active city."
)
@click.option("--dry-run", is_flag=True, help="Report differences, change nothing (exit 1 when any).")
def rebuild_facts(tenants: tuple[str, ...], dry_run: bool) -> None:
    """Recompute the province facts and KPI rollups from the tenant schemas; report differences."""
    slugs = list(tenants) or [r["slug"] for r in list_tenants() if r["status"] == "active"]
    differs = 0
    for slug in slugs:
        started = time.perf_counter()
        try:
            report = rebuilder.rebuild(slug, dry_run=dry_run)
        except UnknownTenant as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(3)
        color = "green" if report.clean else ("yellow" if report.fixed else "red")
        click.secho(f"{report.summary()} [{time.perf_counter() - started:.2f}s]", fg=color)
        for example in report.examples:
            click.echo(f"    {example}")
        differs += not report.clean
    if not tenants:
        stale = rebuilder.orphans(dry_run=dry_run)
        if stale:
            differs += 1
            click.secho(f"rows of dropped cities: {stale} {'found' if dry_run else 'deleted'}", fg="yellow")
    if dry_run and differs:
        sys.exit(1)
