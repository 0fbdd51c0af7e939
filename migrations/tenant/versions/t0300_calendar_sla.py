"""City calendar days and SLA policies.

Revision ID: t0300
Revises: t0200
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "t0300"
down_revision = "t0200"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("is_workday", sa.Boolean, nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_calendar_days"),
    )
    op.create_table(
        "sla_policies",
        sa.Column("appeal_type", sa.String(16), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("unit", sa.String(12), nullable=False),
        sa.Column("accept_limit", sa.Numeric(6, 2), nullable=False),
        sa.Column("handle_limit", sa.Numeric(6, 2), nullable=False),
        sa.Column("return_limit", sa.Numeric(6, 2), nullable=False),
        sa.Column("extension_max_working_days", sa.SmallInteger, nullable=False),
        sa.Column("warn_ratio", sa.Numeric(3, 2), nullable=False),
        sa.Column("updated_by", sa.String(128)),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("appeal_type", "urgency", name="pk_sla_policies"),
        sa.CheckConstraint("urgency IN ('normal', 'urgent', 'emergency')", name="ck_sla_policies_urgency"),
        sa.CheckConstraint("unit IN ('working_days', 'hours')", name="ck_sla_policies_unit"),
        sa.CheckConstraint(
            "accept_limit >= 0 AND handle_limit >= 0 AND return_limit >= 0 "
            "AND extension_max_working_days >= 0",
            name="ck_sla_policies_limits",
        ),
        sa.CheckConstraint(
            "unit = 'hours' OR (accept_limit = trunc(accept_limit) AND handle_limit = trunc(handle_limit) "
            "AND return_limit = trunc(return_limit))",
            name="ck_sla_policies_whole_days",
        ),
        sa.CheckConstraint("warn_ratio > 0 AND warn_ratio < 1", name="ck_sla_policies_warn_ratio"),
    )


def downgrade() -> None:
    op.drop_table("sla_policies")
    op.drop_table("calendar_days")
