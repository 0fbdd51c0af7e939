"""Knowledge base (知识库): articles and their versions.

Revision ID: t0600
Revises: t0500
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "t0600"
down_revision = "t0750"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("category_path", sa.String(255), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("issuing_unit", sa.String(128), nullable=False),
        sa.Column("material_type", sa.String(16), nullable=False),
        sa.Column("keywords", sa.ARRAY(sa.String(20)), nullable=False),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_to", sa.Date),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("reviewed_by", sa.String(128)),
        sa.Column("review_reason", sa.Text),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("search_tsv", postgresql.TSVECTOR),
        sa.Column("overrides_id", sa.BigInteger),
        sa.UniqueConstraint("title", name="uq_kb_articles_title"),
    )
    op.create_table(
        "kb_article_versions",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("article_id", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("diff", sa.Text, nullable=False),
        sa.Column("changed_by", sa.String(128), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_kb_articles_search_tsv", "kb_articles", ["search_tsv"], postgresql_using="gin")
    op.create_index("ix_kb_article_versions_article_id", "kb_article_versions", ["article_id"])

    op.create_table(
        "kb_feedback",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("article_id", sa.BigInteger, nullable=False),
        sa.Column("order_id", sa.BigInteger),
        sa.Column("helped", sa.Boolean, nullable=False),
        sa.Column("given_by", sa.String(128), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_kb_feedback_article_id", "kb_feedback", ["article_id"])


def downgrade() -> None:
    op.drop_table("kb_feedback")
    op.drop_table("kb_article_versions")
    op.drop_table("kb_articles")
