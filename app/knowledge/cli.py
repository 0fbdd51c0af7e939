"""``flask --app wsgi kb embed [--tenant X] [--no-province]``: embed what is missing now."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from tenants.context import UnknownTenant
from tenants.fanout import active_tenants

from . import embedding

kb_cli = AppGroup("kb", help="Knowledge base tools.")


@kb_cli.command("embed")
@click.option(
    "--tenant", "tenants", multiple=True, help="Only this city (repeatable); default: every active city."
)
@click.option("--province/--no-province", default=True, help="Also the province base (default: yes).")
def embed_command(tenants: tuple[str, ...], province: bool) -> None:
    """Backfill article embeddings in this process (the worker's jobs do it as articles change)."""
    try:
        total = embedding.backfill(tenants or active_tenants(), province=province, echo=click.echo)
    except UnknownTenant as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)
    except embedding.ModelUnavailable as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"{total} article(s) embedded")
