"""Declarative bases for the two schema families, and the tenant registry.

Province models live in the real schema ``province``; tenant models in the
placeholder schema ``tenant`` that each unit of work maps to ``t_<slug>``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, MetaData, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .naming import PROVINCE_SCHEMA, TENANT_PLACEHOLDER

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ProvinceBase(DeclarativeBase):
    metadata = MetaData(schema=PROVINCE_SCHEMA, naming_convention=NAMING)


class TenantBase(DeclarativeBase):
    metadata = MetaData(schema=TENANT_PLACEHOLDER, naming_convention=NAMING)


class TenantStatus:
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    FAILED = "failed"
    DISABLED = "disabled"
    ALL = (PROVISIONING, ACTIVE, FAILED, DISABLED)


class Tenant(ProvinceBase):
    """One city hotline centre (市级12345热线) and the schema holding its data."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(31), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(6), unique=True)
    schema_name: Mapped[str] = mapped_column(String(63), unique=True)
    order_prefix: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(
        String(16), default=TenantStatus.PROVISIONING, server_default=TenantStatus.PROVISIONING
    )
    schema_version: Mapped[str | None] = mapped_column(String(255))
    migrate_status: Mapped[str | None] = mapped_column(String(16))
    migrate_error: Mapped[str | None] = mapped_column(Text)
    migrated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provision_step: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    # The migrate-all fast path: one indexed scan for schemas not at head.
    __table_args__ = (Index("ix_tenants_schema_version", "schema_version"),)


class TenantSetting(TenantBase):
    """Per-city settings (key -> JSON), e.g. SLA overrides or feature switches."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
