"""``flask --app wsgi audit verify --tenant X`` and ``audit seal``."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from tenants import tenant_context
from tenants.context import UnknownTenant

from . import service

audit_cli = AppGroup("audit", help="Audit trail tools.")


@audit_cli.command("verify")
@click.option("--tenant", "slug", required=True, help="Tenant slug.")
def verify_command(slug: str) -> None:
    """Recompute the hash chain from the stored entries; exit 1 naming every break."""
    try:
        with tenant_context(slug):
            result = service.verify()
    except UnknownTenant as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)
    if result.breaks:
        for b in result.breaks[:50]:
            click.secho(f"entry {b.seq}: {b.problem}", fg="red")
        click.secho(
            f"audit trail of {slug} is NOT intact ({len(result.breaks)} problem(s))", fg="red", err=True
        )
        sys.exit(1)
    pending = f", {result.unsealed} awaiting the sealer" if result.unsealed else ""
    click.secho(f"audit trail of {slug} intact: {result.sealed} sealed entries{pending}", fg="green")


@audit_cli.command("seal")
@click.option("--tenant", "slug", required=True, help="Tenant slug.")
def seal_command(slug: str) -> None:
    """Chain the entries written since the last seal (the worker does this continuously)."""
    try:
        with tenant_context(slug):
            sealed = service.seal()
    except UnknownTenant as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)
    click.echo(f"sealed {sealed} entries of {slug}")
