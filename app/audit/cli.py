"""``flask --app wsgi audit verify --tenant X``."""

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
    """Recompute the hash chain; exit 1 naming the first broken entry."""
    try:
        with tenant_context(slug):
            breaks = service.verify()
            from .models import AuditHead
            from tenants import db

            head = db.session.get(AuditHead, 1)
    except UnknownTenant as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)
    if breaks:
        for b in breaks[:20]:
            click.secho(f"entry {b.seq}: {b.problem}", fg="red")
        click.secho(f"audit trail of {slug} is NOT intact ({len(breaks)} problem(s))", fg="red", err=True)
        sys.exit(1)
    click.secho(f"audit trail of {slug} intact: {head.seq if head else 0} entries", fg="green")
