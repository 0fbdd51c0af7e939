"""Third-party API clients (Open311 api_key holders), tenant-bound.

Revision ID: p0700
Revises: p0500
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "p0700"
down_revision = "p0500"
branch_labels = None
depends_on = None

S = "province"


def upgrade() -> None:
    op.create_table(
        "api_clients",
        sa.Column("id", sa.BigInteger, nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("tenant_slug", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scopes", sa.ARRAY(sa.String(32)), nullable=False, server_default="{}"),
        sa.Column("rate_limit", sa.String(32), nullable=False, server_default="120/minute"),
        sa.Column("key_hash", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_api_clients"),
        sa.UniqueConstraint("client_id", name="uq_api_clients_client_id"),
        sa.UniqueConstraint("key_hash", name="uq_api_clients_key_hash"),
        schema=S,
    )
    op.create_index("ix_api_clients_tenant_slug", "api_clients", ["tenant_slug"], schema=S)


def downgrade() -> None:
    op.drop_table("api_clients", schema=S)
