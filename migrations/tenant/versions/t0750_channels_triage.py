"""Channels, triage and accessibility: orders may arrive without a category (分拣); agents' skills.

Revision ID: t0750
Revises: t0500
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "t0750"
down_revision = "t0500"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_skills",
        sa.Column("username", sa.String(128), primary_key=True),
        sa.Column("skill", sa.String(32), primary_key=True),
        sa.Column("detail", sa.String(64)),
        sa.Column("granted_by", sa.String(128), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.alter_column("orders", "category_code", existing_type=sa.String(16), nullable=True)
    # the desk's triage queue: received orders without a category, oldest first
    op.create_index(
        "ix_orders_triage",
        "orders",
        ["created_at"],
        postgresql_where=sa.text("category_code IS NULL AND status = 'received'"),
    )


def downgrade() -> None:
    op.drop_table("agent_skills")
    op.drop_index("ix_orders_triage", table_name="orders")
    op.execute("UPDATE orders SET category_code = '2001' WHERE category_code IS NULL")
    op.alter_column("orders", "category_code", existing_type=sa.String(16), nullable=False)
