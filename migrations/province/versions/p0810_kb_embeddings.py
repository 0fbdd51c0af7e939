"""Knowledge base dense retrieval: article embeddings and their write counter (docs/knowledge.md).

Revision ID: p0810
Revises: p0800
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "p0810"
down_revision = "p0800"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_embeddings",
        sa.Column("article_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("embedded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema="province",
    )
    op.create_index("ix_kb_embeddings_seq", "kb_embeddings", ["seq"], schema="province")
    op.create_table(
        "kb_embedding_counter",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, server_default="0", nullable=False),
        sa.Column(
            "started_at", sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp(), nullable=False
        ),
        schema="province",
    )


def downgrade() -> None:
    op.drop_table("kb_embedding_counter", schema="province")
    op.drop_table("kb_embeddings", schema="province")
