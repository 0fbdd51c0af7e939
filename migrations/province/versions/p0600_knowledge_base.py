"""Knowledge base (知识库): articles and their versions.

Revision ID: p0600
Revises: p0500
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "p0600"
down_revision = "p0700"
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
        sa.UniqueConstraint("title", name="uq_kb_articles_title"),
        schema="province",
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
        schema="province",
    )
    op.create_index(
        "ix_kb_articles_search_tsv", "kb_articles", ["search_tsv"], postgresql_using="gin", schema="province"
    )
    op.create_index(
        "ix_kb_article_versions_article_id", "kb_article_versions", ["article_id"], schema="province"
    )


def downgrade() -> None:
    op.drop_table("kb_article_versions", schema="province")
    op.drop_table("kb_articles", schema="province")
