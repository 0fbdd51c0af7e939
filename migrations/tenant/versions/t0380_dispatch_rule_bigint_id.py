"""Dispatch rule ids are bigints like every other id (the API's id converter allows a bigint).

Revision ID: t0380
Revises: t0300
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "t0380"
down_revision = "t0300"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the identity sequence follows the column's type (PostgreSQL changes it with the column)
    op.alter_column(
        "dispatch_rules", "id", type_=sa.BigInteger, existing_type=sa.Integer, existing_nullable=False
    )


def downgrade() -> None:
    op.alter_column(
        "dispatch_rules", "id", type_=sa.Integer, existing_type=sa.BigInteger, existing_nullable=False
    )
