"""Province calendar: days entered once for the whole province.

Revision ID: p0300
Revises: p0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "p0300"
down_revision = "p0001"
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
        schema="province",
    )


def downgrade() -> None:
    op.drop_table("calendar_days", schema="province")
