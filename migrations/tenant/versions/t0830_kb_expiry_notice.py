"""Knowledge articles remember the expiry date their issuing unit was last told about.

Revision ID: t0830
Revises: t0820
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "t0830"
down_revision = "t0820"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("kb_articles", sa.Column("expiry_notice_for", sa.Date()))


def downgrade() -> None:
    op.drop_column("kb_articles", "expiry_notice_for")
