"""Reply attachments (答复附件); an index for department order lists.

Revision ID: t0500
Revises: t0400
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "t0500"
down_revision = "t0400"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_attachments",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("order_id", sa.BigInteger, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("department_code", sa.String(32)),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("uploaded_by", sa.String(128), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_reply_attachments_order_id_orders", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("storage_key", name="uq_reply_attachments_storage_key"),
    )
    op.create_index("ix_reply_attachments_order_id", "reply_attachments", ["order_id"])
    # A department sees every order it was ever assigned: its inbox, its list count and the API's
    # handler list probe (department_code, order_id) without the active flag.
    op.create_index("ix_assignments_department_order", "assignments", ["department_code", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_assignments_department_order", table_name="assignments")
    op.drop_table("reply_attachments")
