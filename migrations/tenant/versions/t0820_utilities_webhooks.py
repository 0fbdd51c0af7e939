"""Utilities as external departments (endpoints, inbound messages) and webhook subscriptions.

Revision ID: t0820
Revises: t0810
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "t0820"
down_revision = "t0810"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "utility_endpoints",
        sa.Column("department_code", sa.String(32), sa.ForeignKey("departments.code"), primary_key=True),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("previous_secret_enc", sa.LargeBinary()),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("updated_by", sa.String(128)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "utility_messages",
        sa.Column("department_code", sa.String(32), primary_key=True),
        sa.Column("message_id", sa.String(64), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("description", sa.String(200)),
        sa.Column("secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    # a subscription's delivery log is its outbox line, delivered and dead messages included
    op.create_index(
        "ix_outbox_webhook_log",
        "outbox",
        ["destination", "id"],
        postgresql_where=sa.text("destination LIKE 'webhook:%'"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_webhook_log", table_name="outbox")
    op.drop_table("webhook_subscriptions")
    op.drop_table("utility_messages")
    op.drop_table("utility_endpoints")
