"""Emergency linkage: the province's class map (110/119/120/122 classes -> city categories).

Revision ID: p0800
Revises: p0830
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "p0800"
down_revision = "p0830"
branch_labels = None
depends_on = None


def upgrade() -> None:
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
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "platform IN ('110', '119', '120', '122')", name="ck_emergency_class_map_platform"
        ),
        schema="province",
    )


def downgrade() -> None:
    op.drop_table("emergency_class_map", schema="province")
