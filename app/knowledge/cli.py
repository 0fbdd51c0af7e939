"""``flask --app wsgi kb embed|reindex [--tenant X] [--no-province]``: embed what is missing
now; segment every article again after the hotline vocabulary changed (docs/knowledge.md)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from tenants import db, tenant_context
from tenants.context import UnknownTenant
from tenants.fanout import active_tenants

from . import embedding, service

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


def _reindex(province: bool, label: str) -> int:
    """Every batch of one scope, committed one by one, with progress."""
    done, last = 0, 0
    while (batch := service.reindex_batch(province=province, after=last)) is not None:
        db.session.commit()
        last, done = batch[0], done + batch[1]
        click.echo(f"{label}: {done} ...")
    db.session.commit()
    click.echo(f"{label}: {done} article(s) reindexed")
    return done


@kb_cli.command("reindex")
@click.option(
    "--tenant", "tenants", multiple=True, help="Only this city (repeatable); default: every active city."
)
@click.option("--province/--no-province", default=True, help="Also the province base (default: yes).")
def reindex_command(tenants: tuple[str, ...], province: bool) -> None:
    """Rebuild the search vectors with the current vocabulary (app/knowledge/vocabulary.py)."""
    try:
        if province:
            _reindex(True, "province")
        for slug in tenants or active_tenants():
            with tenant_context(slug):
                _reindex(False, slug)
    except UnknownTenant as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)
