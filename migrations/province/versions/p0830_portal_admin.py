"""Provincial portal administration: provisioning runs (step log) and background export files.

Revision ID: p0830
Revises: p0600
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "p0830"
down_revision = "p0600"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "provision_runs",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("slug", sa.String(31), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("order_prefix", sa.String(8)),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("requested_roles", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("log", postgresql.JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("total_steps", sa.SmallInteger, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", TS),
        sa.Column("finished_at", TS),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')", name="ck_provision_runs_status"
        ),
        schema="province",
    )
    op.create_index("ix_provision_runs_slug_id", "provision_runs", ["slug", "id"], schema="province")
    op.create_index(  # at most one unfinished run per city: two admins cannot provision it at once
        "ix_provision_runs_slug",
        "provision_runs",
        ["slug"],
        unique=True,
        schema="province",
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.create_table(
        "export_files",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("owner_tenant", sa.String(31)),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("fmt", sa.String(8), nullable=False),
        sa.Column("params", postgresql.JSONB, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_rows", sa.Integer),
        sa.Column("done_rows", sa.Integer, server_default="0", nullable=False),
        sa.Column("file_bytes", sa.LargeBinary),
        sa.Column("error", sa.Text),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", TS),
        sa.Column("expires_at", TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="ck_export_files_status"
        ),
        schema="province",
    )
    op.create_index("ix_export_files_owner_id", "export_files", ["owner", "id"], schema="province")
    op.create_index("ix_export_files_expires_at", "export_files", ["expires_at"], schema="province")


def downgrade() -> None:
    op.drop_table("export_files", schema="province")
    op.drop_table("provision_runs", schema="province")
