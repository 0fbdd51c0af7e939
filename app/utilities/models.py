"""External departments (utilities) and the messages they sent us (docs/integrations.md, "Utilities").

A department with an active ``UtilityEndpoint`` is an external department: dispatches to it leave
through the outbox as signed messages, and its sign-for, reply and return come back signed. The
secret is sealed at rest with the PII keys; the previous one stays valid for inbound messages
while the utility switches over (rotation).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, LargeBinary, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantBase


class UtilityEndpoint(TenantBase):
    __tablename__ = "utility_endpoints"

    department_code: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))  # where dispatches are POSTed
    secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    previous_secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"), default=True)
    updated_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class UtilityMessage(TenantBase):
    """An inbound message applied once: a redelivery (same id) answers the stored result."""

    __tablename__ = "utility_messages"

    department_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the body: same id, other body: 409
    order_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(24))
    result: Mapped[dict] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
