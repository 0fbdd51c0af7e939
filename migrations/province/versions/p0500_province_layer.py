"""Provincial layer: PII-free order facts, daily KPI rollups, cross-city transfers, supervision facts.

Revision ID: p0500
Revises: p0300
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "p0500"
down_revision = "p0300"
branch_labels = None
depends_on = None

S = "province"
TS = sa.DateTime(timezone=True)
OPEN = "status IN ('received', 'dispatched', 'in_progress', 'replied', 'returned', 'reopened')"
COUNTERS = (
    "received",
    "dispatched",
    "signed_on_time",
    "closed",
    "closed_on_time",
    "called_back",
    "resolved",
    "rated",
    "satisfied",
    "direct_closed",
    "returned",
    "ever_closed",
    "reopened",
    "overdue",
    "repeats",
)


def upgrade() -> None:
    op.create_table(
        "order_facts",
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("order_id", sa.BigInteger, nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("appeal_type", sa.String(16), nullable=False),
        sa.Column("category_code", sa.String(16), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("district_code", sa.String(12)),
        sa.Column("lead_department", sa.String(32)),
        sa.Column("transferred_to", sa.String(32)),
        sa.Column("is_repeat", sa.Boolean, nullable=False),
        sa.Column("direct_closure", sa.Boolean, nullable=False),
        sa.Column("reply_outcome", sa.String(16)),
        sa.Column("satisfaction", sa.String(24)),
        sa.Column("resolved", sa.Boolean),
        sa.Column("reopen_count", sa.SmallInteger, nullable=False),
        sa.Column("return_count", sa.SmallInteger, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("dispatched_at", TS),
        sa.Column("accept_due_at", TS),
        sa.Column("accepted_at", TS),
        sa.Column("due_at", TS),
        sa.Column("replied_at", TS),
        sa.Column("closed_at", TS),
        sa.Column("overdue_at", TS),
        sa.Column("callback_at", TS),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("handling_days", sa.Numeric(8, 3)),
        sa.PrimaryKeyConstraint("tenant_id", "order_id", name="pk_order_facts"),
        schema=S,
    )
    op.create_index("ix_order_facts_created_at", "order_facts", ["created_at"], schema=S)
    op.create_index(
        "ix_order_facts_tenant_id_created_at", "order_facts", ["tenant_id", "created_at"], schema=S
    )
    op.create_index(
        "ix_order_facts_open_overdue",
        "order_facts",
        ["overdue_at"],
        schema=S,
        postgresql_where=sa.text(f"overdue_at IS NOT NULL AND {OPEN}"),
    )

    op.create_table(
        "kpi_daily",
        sa.Column("dim", sa.String(12), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        *(sa.Column(c, sa.Integer, nullable=False) for c in COUNTERS),
        sa.Column("handling_days", sa.Numeric(14, 3), nullable=False),
        sa.PrimaryKeyConstraint("dim", "day", "tenant_id", "key", name="pk_kpi_daily"),
        schema=S,
    )
    op.create_index("ix_kpi_daily_tenant_id_dim_day", "kpi_daily", ["tenant_id", "dim", "day"], schema=S)
    op.create_table(
        "kpi_delta",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("dim", sa.String(12), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        *(sa.Column(c, sa.Integer, nullable=False) for c in COUNTERS),
        sa.Column("handling_days", sa.Numeric(14, 3), nullable=False),
        schema=S,
    )

    op.create_table(
        "transfers",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("source_tenant_id", sa.Integer, nullable=False),
        sa.Column("source_order_id", sa.BigInteger, nullable=False),
        sa.Column("source_number", sa.String(40), nullable=False),
        sa.Column("source_message_id", sa.BigInteger, nullable=False),
        sa.Column("target_tenant_id", sa.Integer, nullable=False),
        sa.Column("target_order_id", sa.BigInteger),
        sa.Column("target_number", sa.String(40)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(8)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("responded_by", sa.String(128)),
        sa.Column("responded_at", TS),
        sa.Column("send_back_reason", sa.Text),
        sa.Column("disputed_by", sa.String(128)),
        sa.Column("disputed_at", TS),
        sa.Column("dispute_reason", sa.Text),
        sa.Column("decided_by", sa.String(128)),
        sa.Column("decided_at", TS),
        sa.Column("decision_note", sa.Text),
        sa.Column("source_returned_at", TS),
        sa.Column("target_reinstated_at", TS),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint(
            "source_tenant_id", "source_message_id", name="uq_transfers_source_tenant_id_source_message_id"
        ),
        schema=S,
    )
    op.create_index("ix_transfers_status_requested_at", "transfers", ["status", "requested_at"], schema=S)
    op.create_index(
        "ix_transfers_source_tenant_id_source_order_id",
        "transfers",
        ["source_tenant_id", "source_order_id"],
        schema=S,
    )
    op.create_index(
        "ix_transfers_target_tenant_id_target_order_id",
        "transfers",
        ["target_tenant_id", "target_order_id"],
        schema=S,
    )

    op.create_table(
        "supervision_facts",
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("supervision_id", sa.BigInteger, nullable=False),
        sa.Column("order_id", sa.BigInteger, nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("response_due_at", TS),
        sa.Column("answered_at", TS),
        sa.Column("answered_by", sa.String(128)),
        sa.PrimaryKeyConstraint("tenant_id", "supervision_id", name="pk_supervision_facts"),
        schema=S,
    )
    op.create_index("ix_supervision_facts_created_at", "supervision_facts", ["created_at"], schema=S)
    op.create_index(
        "ix_supervision_facts_tenant_id_order_id", "supervision_facts", ["tenant_id", "order_id"], schema=S
    )


def downgrade() -> None:
    for table in ("supervision_facts", "transfers", "kpi_delta", "kpi_daily", "order_facts"):
        op.drop_table(table, schema=S)
