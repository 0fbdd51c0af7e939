"""``flask --app wsgi demo ...``: the demo province and its data."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .province import ensure_demo_province

demo_cli = AppGroup("demo", help="Demo province (河北省, 11 cities) and synthetic data.")


@demo_cli.command("provision")
@click.option("--tenants", default="", help="Comma-separated slugs (default: all 11 cities).")
@click.option(
    "--kb",
    type=click.Choice(["job", "now", "skip"]),
    default="job",
    show_default=True,
    help="Demo knowledge base: seed it in a background job, here and now, or not at all.",
)
def provision_command(tenants: str, kb: str) -> None:
    """Create the demo city tenants that do not exist yet, and the demo knowledge base (idempotent)."""
    from . import kb as demo_kb

    slugs = [s for s in tenants.split(",") if s] or None
    created = ensure_demo_province(slugs, progress=click.echo)
    click.echo(f"demo province ready ({len(created)} tenant(s) created)")
    if kb == "skip":
        return
    todo = demo_kb.missing(slugs)
    if not todo:
        click.echo("demo knowledge base ready")
    elif kb == "now":
        demo_kb.seed_all(slugs, progress=click.echo)
    else:
        click.echo(
            f"demo knowledge base: {todo} article(s) to seed, queued as job {demo_kb.enqueue_seed(slugs)}"
        )


@demo_cli.command("kb")
@click.option("--tenants", default="", help="Comma-separated slugs (default: every active tenant).")
def kb_command(tenants: str) -> None:
    """Publish the demo knowledge base: 221 province articles and the cities' local ones (idempotent)."""
    from tenants.fanout import active_tenants

    from . import kb as demo_kb

    slugs = [s for s in tenants.split(",") if s] or None
    unknown = set(slugs or ()) - set(active_tenants())
    if unknown:
        raise click.UsageError(f"unknown or inactive tenant(s): {', '.join(sorted(unknown))}")
    demo_kb.seed_all(slugs, progress=click.echo)


@demo_cli.command("seed")
@click.option("--orders", "count", default=300, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--tenants", default="", help="Comma-separated slugs (default: every active tenant).")
@click.option("--seed", "seed", default=12345, show_default=True, help="Random seed (same seed, same data).")
def seed_command(count: int, tenants: str, seed: int) -> None:
    """Add N synthetic orders to each city: real districts, rhythms, seasonal waves, repeats, every state."""
    from tenants.fanout import active_tenants, for_each_tenant

    from .seed import seed_city

    wanted = [s for s in tenants.split(",") if s]
    slugs = [s for s in active_tenants() if not wanted or s in wanted]
    missing = set(wanted) - set(slugs)
    if missing:
        raise click.UsageError(f"unknown or inactive tenant(s): {', '.join(sorted(missing))}")

    def one(slug: str) -> None:
        click.echo(f"{slug}: {seed_city(slug, count, seed=seed)} orders")

    for_each_tenant(one, slugs)


@demo_cli.command("utilities")
@click.option("--url", required=True, help="The utility simulator's message URL (…/messages).")
@click.option("--departments", default="zlsgs,gdgs", show_default=True, help="Water and power company codes.")
@click.option("--tenant", default="shijiazhuang", show_default=True, help="Else the first active city.")
def utilities_command(url: str, departments: str, tenant: str) -> None:
    """Make the demo city's water and power companies external departments answered by the utility
    simulator (``make run``); the shared secret comes from UTILITY_SIMULATOR_SECRET."""
    import os

    from tenants import db, tenant_context
    from tenants.fanout import active_tenants

    from ..utilities import service as utilities

    secret = os.environ.get("UTILITY_SIMULATOR_SECRET", "")
    if len(secret) < 32:
        raise click.UsageError("set UTILITY_SIMULATOR_SECRET (at least 32 characters)")
    cities = active_tenants()
    slug = tenant if tenant in cities else (cities[0] if cities else None)
    if slug is None:
        raise click.UsageError("no active city")
    with tenant_context(slug):
        for code in [d for d in departments.split(",") if d]:
            utilities.configure(
                code, {"url": url, "secret": secret, "active": True, "keep_previous": False}, "demo"
            )
        db.session.commit()
    click.echo(f"{slug}: {departments} answered by the utility simulator at {url}")
