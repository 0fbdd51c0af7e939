"""Tenant registry.

Revision ID: p0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "p0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(31), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("schema_name", sa.String(63), nullable=False),
        sa.Column("order_prefix", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="provisioning"),
        sa.Column("schema_version", sa.String(255)),
        sa.Column("migrate_status", sa.String(16)),
        sa.Column("migrate_error", sa.Text),
        sa.Column("migrated_at", sa.DateTime(timezone=True)),
        sa.Column("provision_step", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('provisioning', 'active', 'failed', 'disabled')", name="ck_tenants_status"
        ),
        sa.CheckConstraint("slug ~ '^[a-z][a-z0-9_]{1,30}$'", name="ck_tenants_slug"),
        sa.CheckConstraint("schema_name = 't_' || slug", name="ck_tenants_schema_name"),
        sa.UniqueConstraint("slug", name="uq_tenants_slug"),
        sa.UniqueConstraint("region_code", name="uq_tenants_region_code"),
        sa.UniqueConstraint("schema_name", name="uq_tenants_schema_name"),
        schema="province",
    )
    # The migrate-all fast path: one indexed scan for schemas not at head.
    op.create_index("ix_tenants_schema_version", "tenants", ["schema_version"], schema="province")


def downgrade() -> None:
    op.drop_table("tenants", schema="province")
