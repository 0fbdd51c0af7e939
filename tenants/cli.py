"""``flask --app wsgi tenants ...``: create, list, migrate, drop."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

from . import provision
from .context import UnknownTenant
from .db import db
from .migrate import migrate_all, province_is_current, upgrade_province
from .naming import InvalidName

tenants_cli = AppGroup("tenants", help="Manage city tenants (one PostgreSQL schema each).")


def _fail(message: str, code: int = 1) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


@tenants_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Display name, e.g. 石家庄市")
@click.option("--region-code", required=True, help="Six-digit GB/T 2260 code, e.g. 130100")
@click.option("--order-prefix", default=None, help="Order number prefix, e.g. SJZ (default: from slug)")
def create(slug: str, name: str, region_code: str, order_prefix: str | None) -> None:
    """Provision a tenant (resumes an unfinished one)."""
    started = time.perf_counter()
    try:
        ref = provision.create_tenant(
            slug,
            name=name,
            region_code=region_code,
            order_prefix=order_prefix,
            progress=lambda msg: click.echo(f"  {slug}: {msg}"),
        )
    except InvalidName as exc:
        _fail(str(exc), 2)
    except provision.TenantExists as exc:
        _fail(str(exc), 3)
    except provision.ProvisioningFailed as exc:
        _fail(f"{exc} (run the same command again to resume)", 4)
    click.secho(
        f"tenant {ref.slug} ({ref.name}) active in schema {ref.schema} "
        f"[{time.perf_counter() - started:.2f}s]",
        fg="green",
    )


@tenants_cli.command("list")
def list_() -> None:
    """List tenants with status and schema version."""
    if not province_is_current(db.engine):
        upgrade_province(db.engine)
    rows = provision.list_tenants()
    if not rows:
        click.echo("no tenants yet: flask --app wsgi tenants create SLUG --name ... --region-code ...")
        return
    click.echo(f"{'slug':<16}{'name':<10}{'region':<8}{'status':<14}{'migrate':<9}version")
    for r in rows:
        click.echo(
            f"{r['slug']:<16}{r['name']:<10}{r['region_code']:<8}{r['status']:<14}"
            f"{(r['migrate_status'] or '-'):<9}{r['schema_version'] or '-'}"
        )
        if r["migrate_error"]:
            click.echo(f"    last error: {r['migrate_error'][:200]}")


@tenants_cli.command("migrate")
@click.option("--all", "all_", is_flag=True, help="Migrate every tenant schema.")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 64), help="Schemas in parallel.")
@click.option("--lock-timeout", default="5s", show_default=True, help="lock_timeout per schema.")
@click.argument("slugs", nargs=-1)
def migrate(all_: bool, jobs: int, lock_timeout: str, slugs: tuple[str, ...]) -> None:
    """Upgrade the province tree, then tenant schemas (all, or the SLUGS given)."""
    if not all_ and not slugs:
        _fail("name tenant slugs or pass --all", 2)
    started = time.perf_counter()

    def progress(result):
        mark = click.style("ok", fg="green") if result.ok else click.style("FAILED", fg="red")
        click.echo(f"  {result.schema:<24} {mark} {result.seconds:.2f}s {result.error or ''}")

    try:
        report = migrate_all(
            db.engine, jobs=jobs, only=list(slugs) or None, lock_timeout=lock_timeout, progress=progress
        )
    except ValueError as exc:
        _fail(str(exc), 2)
    took = time.perf_counter() - started
    click.echo(
        f"head {report.head}: {len(report.migrated)} migrated, {len(report.failed)} failed, "
        f"{report.at_head} already at head [{took:.2f}s]"
    )
    if report.failed:
        _fail(f"{len(report.failed)} schema(s) failed; fix the cause and run again to resume", 1)


@tenants_cli.command("drop")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Confirm: the schema and all its data are deleted.")
def drop(slug: str, yes: bool) -> None:
    """Drop a tenant schema and its registry row."""
    try:
        ref = provision.drop_tenant(slug, yes=yes)
    except InvalidName as exc:
        _fail(str(exc), 2)
    except PermissionError as exc:
        _fail(str(exc), 2)
    except UnknownTenant as exc:
        _fail(str(exc), 3)
    click.secho(f"dropped tenant {ref.slug} (schema {ref.schema})", fg="yellow")
