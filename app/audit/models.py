from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, SmallInteger, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantBase


class AuditEntry(TenantBase):
    """One recorded fact: a state change, a reveal of a phone number, an edit.

    Written in the transaction of the change (``id``); sealed into the tenant's chain
    shortly after (``seq``, ``prev_hash``, ``hash = sha256(prev_hash || payload)``).
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    actor_roles: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict] = mapped_column(JSONB)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_order_id_id", "order_id", "id"),
        Index("ix_audit_log_unsealed", "id", postgresql_where=text("hash IS NULL")),
    )


class AuditHead(TenantBase):
    """The chain's tip."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
