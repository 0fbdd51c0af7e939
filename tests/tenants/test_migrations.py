"""migrate --all: a new revision over 20 schemas, failure isolation and resume, the no-op fast path."""

from __future__ import annotations

import shutil
import textwrap

import pytest
from sqlalchemy import event, text

from tenants import provision
from tenants.db import db
from tenants.migrate import migrate_all, tenant_head

NEW_REVISION = '''
"""test revision: add a table

Revision ID: t9001
Revises: {down!r}
"""
import sqlalchemy as sa
from alembic import op

revision = "t9001"
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "complaint_tags", sa.Column("id", sa.Integer, primary_key=True), sa.Column("tag", sa.Text)
    )


def downgrade():
    op.drop_table("complaint_tags")
'''


@pytest.fixture
def twenty(app):
    slugs = [f"mig_{i:02d}" for i in range(20)]
    with app.app_context():
        for i, slug in enumerate(slugs):
            provision.create_tenant(slug, name=f"测试{i}", region_code=f"99{i:04d}")
        yield slugs
        for slug in slugs:
            provision.drop_tenant(slug, yes=True)


@pytest.fixture
def scripts_with_new_revision(tmp_path):
    from tenants.migrate import MIGRATIONS_DIR

    location = tmp_path / "tenant"
    shutil.copytree(MIGRATIONS_DIR / "tenant", location)
    down = tuple(tenant_head().split(","))
    (location / "versions" / "t9001_test.py").write_text(textwrap.dedent(NEW_REVISION.format(down=down)))
    return location


def _versions(slugs):
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT slug, schema_version, migrate_status FROM province.tenants WHERE slug = ANY(:s)"),
            {"s": slugs},
        ).all()
    return {r.slug: (r.schema_version, r.migrate_status) for r in rows}


def _has_table(schema: str) -> bool:
    with db.engine.connect() as conn:
        return bool(conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{schema}.complaint_tags"}).scalar())


def test_new_revision_failure_isolation_and_resume(app_ctx, twenty, scripts_with_new_revision):
    broken = "mig_07"
    # Sabotage one schema: the table the revision creates already exists there.
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE t_{broken}.complaint_tags (x int)")

    report = migrate_all(db.engine, jobs=4, only=twenty, script_location=scripts_with_new_revision)
    assert report.head == "t9001"
    assert [r.slug for r in report.failed] == [broken]
    assert "complaint_tags" in report.failed[0].error
    assert len(report.migrated) == 19
    versions = _versions(twenty)
    for slug in twenty:
        if slug == broken:
            assert versions[slug] == (tenant_head(), "failed")  # its own transaction rolled back whole
        else:
            assert versions[slug] == ("t9001", "ok")
            assert _has_table(f"t_{slug}")

    # Fix the cause; a rerun touches only the failed schema.
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE t_{broken}.complaint_tags")
    report = migrate_all(db.engine, jobs=4, only=twenty, script_location=scripts_with_new_revision)
    assert [r.slug for r in report.migrated] == [broken]
    assert report.at_head == 19
    assert _versions([broken])[broken] == ("t9001", "ok")
    with db.engine.connect() as conn:
        error = conn.execute(
            text("SELECT migrate_error FROM province.tenants WHERE slug=:s"), {"s": broken}
        ).scalar()
    assert error is None


def test_noop_run_issues_no_per_schema_work(app_ctx, twenty):
    migrate_all(db.engine)  # bring everything to head first
    statements: list[str] = []

    def spy(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        report = migrate_all(db.engine, jobs=8)
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    assert report.results == []
    assert report.at_head >= 20
    assert not any("t_mig_" in s or ("alembic_version" in s and "province" not in s) for s in statements)
    assert len(statements) <= 3, statements


def test_bad_lock_timeout_is_refused(app_ctx, twenty, scripts_with_new_revision):
    with pytest.raises(ValueError, match="lock timeout"):
        migrate_all(db.engine, only=twenty, script_location=scripts_with_new_revision, lock_timeout="1; DROP")
    assert set(v for v, _ in _versions(twenty).values()) == {tenant_head()}
