"""Knowledge articles and their versions, once in the province schema (shared by every city)
and once per city schema (local articles and local overrides of a province article)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from tenants import ProvinceBase, TenantBase

MATERIAL_TYPES = ("办事指南", "法律法规", "热点问答", "通知公告", "业务指引")
STATES = ("draft", "in_review", "published", "expired", "withdrawn")


class _ArticleColumns:
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(128), unique=True)
    category_path: Mapped[str] = mapped_column(String(255))  # e.g. 社会保障/养老保险/退休办理 (a leaf)
    content: Mapped[str] = mapped_column(Text)
    issuing_unit: Mapped[str] = mapped_column(String(128))  # 发布单位
    material_type: Mapped[str] = mapped_column(String(16))  # 素材类型
    keywords: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    # the valid_to its issuing unit was told is near (validity.py): a renewed date warns again
    expiry_notice_for: Mapped[date | None] = mapped_column(Date, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(128))
    reviewed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    review_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # jieba-segmented, weighted title A / keywords B / content C ('simple' config), GIN-indexed
    search_tsv: Mapped[str | None] = mapped_column(TSVECTOR, nullable=True)


class _VersionColumns:
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(BigInteger, index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(128))
    content: Mapped[str] = mapped_column(Text)
    diff: Mapped[str] = mapped_column(Text)  # unified diff against the previous version
    changed_by: Mapped[str] = mapped_column(String(128))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProvinceArticle(_ArticleColumns, ProvinceBase):
    """An article of the province base, visible to every city once published."""

    __tablename__ = "kb_articles"
    __table_args__ = (Index("ix_kb_articles_search_tsv", "search_tsv", postgresql_using="gin"),)


class ProvinceArticleVersion(_VersionColumns, ProvinceBase):
    __tablename__ = "kb_article_versions"


class CityArticle(_ArticleColumns, TenantBase):
    """A city's own article; ``overrides_id`` set: shown instead of that province article here."""

    __tablename__ = "kb_articles"
    __table_args__ = (Index("ix_kb_articles_search_tsv", "search_tsv", postgresql_using="gin"),)
    overrides_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class CityArticleVersion(_VersionColumns, TenantBase):
    __tablename__ = "kb_article_versions"


class Feedback(TenantBase):
    """An agent's mark on a suggested article (was it used, did it help), per city (知识反馈)."""

    __tablename__ = "kb_feedback"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(8))  # province | city
    article_id: Mapped[int] = mapped_column(BigInteger, index=True)
    order_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    helped: Mapped[bool] = mapped_column(Boolean)
    given_by: Mapped[str] = mapped_column(String(128))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class _EmbeddingColumns:
    """An article's dense vector (docs/knowledge.md, "Dense retrieval"): written by the embedding
    job only, never at request time; ``seq`` is the scope's counter value of the write, so a
    process's cache fetches only what is newer than what it holds."""

    article_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)  # the article version embedded
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32 little-endian, L2-normalised
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    embedded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class _CounterColumns:
    """One row: the last ``seq`` given. Writers bump it with an upsert (a row lock held to their
    commit), so embeddings commit in ``seq`` order; ``started_at`` changes when the row is made
    anew (the table emptied), which tells a cache to start over."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, server_default="0")
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )


class ProvinceEmbedding(_EmbeddingColumns, ProvinceBase):
    __tablename__ = "kb_embeddings"


class ProvinceEmbeddingCounter(_CounterColumns, ProvinceBase):
    __tablename__ = "kb_embedding_counter"


class CityEmbedding(_EmbeddingColumns, TenantBase):
    __tablename__ = "kb_embeddings"


class CityEmbeddingCounter(_CounterColumns, TenantBase):
    __tablename__ = "kb_embedding_counter"
