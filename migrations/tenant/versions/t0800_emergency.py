"""Emergency linkage (110/119/120/122): platform settings, incident links, inbound messages, class map.

Revision ID: t0800
Revises: t0600
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "t0800"
down_revision = "t0600"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
PLATFORM = "platform IN ('110', '119', '120', '122')"


def upgrade() -> None:
    op.create_table(
        "emergency_platforms",
        sa.Column("platform", sa.String(3), primary_key=True),
        sa.Column("endpoint_url", sa.String(500)),
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("secret_generation", sa.Integer, nullable=False, server_default="1"),
        sa.Column("previous_secret_until", TS),
        sa.Column("updated_by", sa.String(128)),
        sa.Column("updated_at", TS, server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(PLATFORM, name="ck_emergency_platforms_platform"),
        sa.UniqueConstraint("client_id", name="uq_emergency_platforms_client_id"),
    )
    op.create_table(
        "emergency_links",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "order_id",
            sa.BigInteger,
            sa.ForeignKey("orders.id", ondelete="CASCADE", name="fk_emergency_links_order_id_orders"),
            nullable=False,
        ),
        sa.Column("platform", sa.String(3), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("incident_id", sa.String(64)),
        sa.Column("police_dispatched", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("remote_status", sa.String(24)),
        sa.Column("remote_status_at", TS),
        sa.Column("three_way_call_at", TS),
        sa.Column("three_way_call_note", sa.Text),
        sa.Column("first_receiver", sa.String(5)),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("direction IN ('out', 'in')", name="ck_emergency_links_direction"),
        sa.CheckConstraint(PLATFORM, name="ck_emergency_links_platform"),
    )
    op.create_index(
        "uq_emergency_links_order", "emergency_links", ["order_id", "platform", "direction"], unique=True
    )
    op.create_index(
        "uq_emergency_links_incident",
        "emergency_links",
        ["platform", "incident_id"],
        unique=True,
        postgresql_where=sa.text("incident_id IS NOT NULL"),
    )
    op.create_table(
        "emergency_inbox",
        sa.Column("platform", sa.String(3), primary_key=True),
        sa.Column("message_id", sa.String(128), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("order_id", sa.BigInteger),
        sa.Column("response", postgresql.JSONB, nullable=False),
        sa.Column("received_at", TS, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "emergency_class_map",
        sa.Column("platform", sa.String(3), primary_key=True),
        sa.Column("class_code", sa.String(32), primary_key=True),
        sa.Column("class_name", sa.String(100), nullable=False),
        sa.Column("major_code", sa.String(32)),
        sa.Column("major_name", sa.String(100)),
        sa.Column("police", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("category_code", sa.String(16)),
        sa.Column("updated_by", sa.String(128)),
        sa.Column("updated_at", TS, server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(PLATFORM, name="ck_emergency_class_map_platform"),
    )


def downgrade() -> None:
    op.drop_table("emergency_class_map")
    op.drop_table("emergency_inbox")
    op.drop_table("emergency_links")
    op.drop_table("emergency_platforms")
