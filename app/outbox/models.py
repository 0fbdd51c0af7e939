"""Transactional outbox: anything leaving the transaction goes through here.

See docs/architecture.md §7.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantBase

PENDING_SQL = "delivered_at IS NULL AND dead_at IS NULL"
WEBHOOK_LOG_SQL = "destination LIKE 'webhook:%'"


class OutboxMessage(TenantBase):
    """A message written in the same transaction as the change it announces.

    State is read from two columns: pending (neither set), delivered (``delivered_at``) or
    dead (``dead_at``, 死信: out of attempts or refused; a province admin retries it).
    Messages of one ``destination`` are delivered in id order; a pending one holds back the
    later ones of its destination only.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128))  # idempotency key receivers dedupe on
    destination: Mapped[str] = mapped_column(String(160))  # ordering line, e.g. "emergency:110"
    payload: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    retried_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retried_by: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (
        Index("ix_outbox_line", "destination", "id", postgresql_where=text(PENDING_SQL)),
        Index("ix_outbox_dead", "dead_at", "id", postgresql_where=text("dead_at IS NOT NULL")),
        # a webhook subscription's delivery log, in any state (app/webhooks)
        Index("ix_outbox_webhook_log", "destination", "id", postgresql_where=text(WEBHOOK_LOG_SQL)),
    )

    @property
    def state(self) -> str:
        if self.delivered_at is not None:
            return "delivered"
        return "dead" if self.dead_at is not None else "pending"
