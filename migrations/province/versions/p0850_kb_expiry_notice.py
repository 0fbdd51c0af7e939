"""Province knowledge articles remember the expiry date their issuing unit was last told about.

Revision ID: p0850
Revises: p0840
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "p0850"
down_revision = "p0840"
branch_labels = None
depends_on = None

S = "province"


def upgrade() -> None:
    op.add_column("kb_articles", sa.Column("expiry_notice_for", sa.Date()), schema=S)


def downgrade() -> None:
    op.drop_column("kb_articles", "expiry_notice_for", schema=S)
