"""``flask --app wsgi demo ...``: the demo province and its data."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .province import ensure_demo_province

demo_cli = AppGroup("demo", help="Demo province (河北省, 11 cities) and synthetic data.")


@demo_cli.command("provision")
@click.option("--tenants", default="", help="Comma-separated slugs (default: all 11 cities).")
def provision_command(tenants: str) -> None:
    """Create the demo city tenants that do not exist yet (idempotent)."""
    slugs = [s for s in tenants.split(",") if s] or None
    created = ensure_demo_province(slugs, progress=click.echo)
    click.echo(f"demo province ready ({len(created)} tenant(s) created)")
