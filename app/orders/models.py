"""Work orders and what hangs off them. Deadlines live here, indexed for the sweep."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Sequence,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantBase

from .workflow import OPEN_STATES, STATES

ORDER_NUMBER_SEQ = Sequence("order_number_seq", metadata=TenantBase.metadata)
_TRIAGE = "category_code IS NULL AND status = 'received'"
_OPEN = "status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")"


class Order(TenantBase):
    """One appeal (诉求) as a work order (工单)."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="received")
    channel: Mapped[str] = mapped_column(String(16))
    appeal_type: Mapped[str] = mapped_column(String(16))
    category_code: Mapped[str | None] = mapped_column(String(16))  # None: waits in triage (分拣)
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    # Caller (诉求人): phone encrypted, hashed for repeat search, masked copy for lists.
    caller_name: Mapped[str | None] = mapped_column(String(100))
    caller_phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    caller_phone_hash: Mapped[str | None] = mapped_column(String(64))
    caller_phone_masked: Mapped[str | None] = mapped_column(String(24))
    caller_language: Mapped[str | None] = mapped_column(String(16))
    caller_needs: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list, server_default="{}")
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    address: Mapped[str | None] = mapped_column(String(300))
    district_code: Mapped[str | None] = mapped_column(String(12))
    lat: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    lng: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    lead_department: Mapped[str | None] = mapped_column(String(32))
    # Time limits (限时办结), all UTC.
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    warn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accept_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    return_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    warned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_fallback: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    extension_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Outcome.
    reply_content: Mapped[str | None] = mapped_column(Text)
    reply_outcome: Mapped[str | None] = mapped_column(String(16))
    resolution: Mapped[str | None] = mapped_column(Text)
    direct_closure: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    callback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopen_count: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    return_count: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # Links.
    repeat_of_id: Mapped[int | None] = mapped_column(BigInteger)
    merged_into_id: Mapped[int | None] = mapped_column(BigInteger)
    transferred_to: Mapped[str | None] = mapped_column(String(32))
    source_ref: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="order", order_by="Assignment.id"
    )  # lists add selectinload; a single order loads them on first access

    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATES) + ")", name="status"),
        Index("ix_orders_status_created", "status", "created_at"),
        Index("ix_orders_created_at", "created_at"),
        Index("ix_orders_caller_phone_hash", "caller_phone_hash", "created_at"),
        Index("ix_orders_district_category", "district_code", "category_code", "created_at"),
        Index("ix_orders_lead_department", "lead_department", "status"),
        # The sweep reads only what is due: partial indexes over open orders.
        Index("ix_orders_due_open", "due_at", postgresql_where=text(f"{_OPEN} AND overdue_at IS NULL")),
        # the desk's triage queue (分拣): channel orders still without a category
        Index("ix_orders_triage", "created_at", postgresql_where=text(_TRIAGE)),
        Index("ix_orders_warn_open", "warn_at", postgresql_where=text(f"{_OPEN} AND warned_at IS NULL")),
    )


class Assignment(TenantBase):
    """One department's share of an order (同步办理): lead (主办) or assisting (协办)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    department_code: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(8))  # lead | assist
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending accepted replied returned cancelled
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    note: Mapped[str | None] = mapped_column(Text)
    dispatched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accept_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accept_overdue: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reply_content: Mapped[str | None] = mapped_column(Text)
    returned_reason: Mapped[str | None] = mapped_column(Text)

    order: Mapped[Order] = relationship(back_populates="assignments")

    __table_args__ = (
        CheckConstraint("role IN ('lead', 'assist')", name="role"),
        Index(
            "ix_assignments_department_active", "department_code", "order_id", postgresql_where=text("active")
        ),
        # who may see an order (any assignment, past ones too): department lists and their counts
        Index("ix_assignments_department_order", "department_code", "order_id"),
        Index(
            "uq_assignments_order_department_active",
            "order_id",
            "department_code",
            unique=True,
            postgresql_where=text("active"),
        ),
        Index(
            "ix_assignments_accept_due",
            "accept_due_at",
            postgresql_where=text("active AND status = 'pending' AND NOT accept_overdue"),
        ),
    )


class ExtensionRequest(TenantBase):
    """A handler's request for more working days (延期申请), decided by a dispatcher."""

    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    department_code: Mapped[str] = mapped_column(String(32))
    working_days: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending approved rejected
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    old_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    new_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Supervision(TenantBase):
    """A supervision record (督办): by a supervisor, or opened automatically when overdue."""

    __tablename__ = "supervisions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(16))  # city | province | auto
    reason: Mapped[str] = mapped_column(String(32))  # manual | overdue | accept_overdue
    note: Mapped[str | None] = mapped_column(Text)
    response_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # At most one automatic record per order and reason: the sweep may run twice.
        Index(
            "uq_supervisions_auto", "order_id", "reason", unique=True, postgresql_where=text("level = 'auto'")
        ),
    )


class IdempotencyKey(TenantBase):
    """Intake ``Idempotency-Key``: the same key and body return the same order."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
