"""``flask --app wsgi emergency ...``: point cities at a platform (or the simulator), seed the class map."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from tenants import db, tenant_context
from tenants.fanout import active_tenants

from ..auth.principal import Principal, Role
from ..orders.workflow import EMERGENCY_TARGETS
from . import mapping, platforms

emergency_cli = AppGroup("emergency", help="Emergency linkage (110/119/120/122): platforms, class map.")
ADMIN = Principal(subject="cli", username="cli", roles=frozenset({Role.PROVINCE_ADMIN}))


@emergency_cli.command("seed-class-map")
def seed_class_map() -> None:
    """Seed the province's demo class map (only while it is empty)."""
    n = mapping.seed_demo()
    db.session.commit()
    click.echo(f"{n} class rows seeded" if n else "the province class map is not empty: nothing seeded")


@emergency_cli.command("configure")
@click.option("--tenant", required=True)
@click.option("--platform", type=click.Choice(EMERGENCY_TARGETS), required=True)
@click.option("--endpoint", default=None, help="base URL of the platform's API; empty: unset")
@click.option("--enabled/--disabled", default=True)
def configure(tenant: str, platform: str, endpoint: str | None, enabled: bool) -> None:
    """Set one city's platform endpoint (as the province admin would over the API)."""
    with tenant_context(tenant):
        platforms.configure(ADMIN, platform, {"endpoint_url": endpoint or None, "enabled": enabled})
        db.session.commit()
    click.echo(f"{tenant} {platform}: {endpoint or 'no endpoint'} ({'enabled' if enabled else 'disabled'})")


@emergency_cli.command("simulator-config")
@click.option("--url", required=True, help="the simulator's base URL, e.g. http://127.0.0.1:8110")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True, help="config file to write")
@click.option("--tenants", default="", help="comma-separated cities (default: every active city)")
def simulator_config(url: str, out: str, tenants: str) -> None:
    """Point every platform of the cities at the simulator and write its config (with dev secrets).

    Development only: the file holds the signing secrets and the dev realm's client secrets.
    """
    from integrations.keycloak.realm import client_secret

    settings = current_app.extensions["settings"]
    if settings.is_production:
        raise click.ClickException("the emergency simulator is for development and tests only")
    hotline = settings.public_url.rstrip("/")
    idp = (settings.keycloak_url or f"{hotline}/idp").rstrip("/")
    token_url = f"{idp}/realms/{settings.keycloak_realm}/protocol/openid-connect/token"
    entries = []
    for slug in [s for s in tenants.split(",") if s] or active_tenants():
        with tenant_context(slug):
            for code in EMERGENCY_TARGETS:
                row = platforms.configure(ADMIN, code, {"endpoint_url": f"{url.rstrip('/')}/{slug}/{code}"})
                entries.append(
                    {
                        "tenant": slug,
                        "platform": code,
                        "hotline_url": hotline,
                        "token_url": token_url,
                        "client_id": row.client_id,
                        "client_secret": client_secret(row.client_id),
                        "signing_secret": platforms.secrets(row)[0],
                    }
                )
            db.session.commit()
    Path(out).write_text(json.dumps({"platforms": entries}, indent=1), encoding="utf-8")
    click.echo(f"{len(entries)} platforms point at {url}; simulator config in {out}")
