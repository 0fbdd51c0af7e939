"""Outbox: ordering lines (destination), dead letters, who retried; lost escalations come back.

Revision ID: t0400
Revises: t0380
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "t0400"
down_revision = "t0380"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
PENDING = "delivered_at IS NULL AND dead_at IS NULL"


def upgrade() -> None:
    op.add_column("outbox", sa.Column("destination", sa.String(160)))
    op.add_column("outbox", sa.Column("dead_at", TS))
    op.add_column("outbox", sa.Column("retried_at", TS))
    op.add_column("outbox", sa.Column("retried_by", sa.String(128)))
    # Before this revision a topic without a handler was marked delivered: escalations never left.
    # They become pending again (and wait for their adapter, visibly); other topics keep their state.
    op.execute(
        "UPDATE outbox SET delivered_at = NULL, attempts = 0, available_at = now() "
        "WHERE topic = 'order.escalated' AND delivered_at IS NOT NULL"
    )
    op.execute(
        """UPDATE outbox SET destination = CASE
             WHEN topic = 'order.escalated' THEN 'emergency:' || (payload->>'target')
             WHEN topic = 'order.transfer_requested' THEN 'city:' || (payload->>'to_tenant')
             WHEN topic IN ('order.deadline_warning', 'order.overdue')
               THEN 'department:' || coalesce(payload->>'department', 'desk')
             ELSE topic END"""
    )
    op.alter_column("outbox", "destination", nullable=False)
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index("ix_outbox_line", "outbox", ["destination", "id"], postgresql_where=sa.text(PENDING))
    op.create_index(
        "ix_outbox_dead", "outbox", ["dead_at", "id"], postgresql_where=sa.text("dead_at IS NOT NULL")
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_dead", table_name="outbox")
    op.drop_index("ix_outbox_line", table_name="outbox")
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["available_at", "id"],
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    for name in ("retried_by", "retried_at", "dead_at", "destination"):
        op.drop_column("outbox", name)
