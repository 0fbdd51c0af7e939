"""The provincial layer's own tables: PII-free order facts, KPI rollups, transfers, supervision facts.

Nothing here holds a caller's name, phone, address, or any text a citizen wrote: a fact row
carries codes, flags and instants only. Rows point at tenant rows by (tenant_id, id) without
foreign keys (Citus-friendly; the registry id is ``province.tenants.id``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tenants import ProvinceBase

from ..orders.workflow import OPEN_STATES

OPEN_SQL = "status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")"
TS = DateTime(timezone=True)


class OrderFact(ProvinceBase):
    """One row per (city, order), upserted in the order's own transaction by the facts observer."""

    __tablename__ = "order_facts"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)  # receipt date in Asia/Shanghai: the KPI time basis
    status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    appeal_type: Mapped[str] = mapped_column(String(16))
    category_code: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(String(12))
    lead_department: Mapped[str | None] = mapped_column(String(32))
    transferred_to: Mapped[str | None] = mapped_column(String(32))
    is_repeat: Mapped[bool] = mapped_column(Boolean)
    direct_closure: Mapped[bool] = mapped_column(Boolean)
    reply_outcome: Mapped[str | None] = mapped_column(String(16))
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    reopen_count: Mapped[int] = mapped_column(SmallInteger)
    return_count: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(TS)
    dispatched_at: Mapped[datetime | None] = mapped_column(TS)
    accept_due_at: Mapped[datetime | None] = mapped_column(TS)
    accepted_at: Mapped[datetime | None] = mapped_column(TS)
    due_at: Mapped[datetime | None] = mapped_column(TS)
    replied_at: Mapped[datetime | None] = mapped_column(TS)
    closed_at: Mapped[datetime | None] = mapped_column(TS)
    overdue_at: Mapped[datetime | None] = mapped_column(TS)
    callback_at: Mapped[datetime | None] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)
    # Working days from receipt to closure (24 h per working day, prorated); set while closed.
    handling_days: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))

    __table_args__ = (
        Index("ix_order_facts_created_at", "created_at"),
        Index("ix_order_facts_tenant_id_created_at", "tenant_id", "created_at"),
        Index(
            "ix_order_facts_open_overdue",
            "overdue_at",
            postgresql_where=text(f"overdue_at IS NOT NULL AND {OPEN_SQL}"),
        ),
    )


class _Counters:
    """The measures of one (dim, day, tenant, key) cell; see measures.MEASURES."""

    received: Mapped[int] = mapped_column(Integer)
    dispatched: Mapped[int] = mapped_column(Integer)
    signed_on_time: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer)
    closed_on_time: Mapped[int] = mapped_column(Integer)
    called_back: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)
    rated: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)
    direct_closed: Mapped[int] = mapped_column(Integer)
    returned: Mapped[int] = mapped_column(Integer)
    ever_closed: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[int] = mapped_column(Integer)
    repeats: Mapped[int] = mapped_column(Integer)
    handling_days: Mapped[Decimal] = mapped_column(Numeric(14, 3))


class KpiDaily(_Counters, ProvinceBase):
    """Counters per city, receipt day and one dimension value (folded from ``kpi_delta``).

    ``dim`` is total (key ''), category, department (lead; '' before dispatch) or channel.
    KPIs read these plus the not yet folded deltas: a month is a few hundred rows, whatever
    the order count. Together they always equal the sums over order_facts.
    """

    __tablename__ = "kpi_daily"

    dim: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)

    __table_args__ = (Index("ix_kpi_daily_tenant_id_dim_day", "tenant_id", "dim", "day"),)


class KpiDelta(_Counters, ProvinceBase):
    """(new contribution - old contribution) of one order change, appended in the order's own
    transaction. Insert-only, so concurrent intakes of a city never wait on a shared counter
    row; ``fold`` moves them into ``kpi_daily`` every few seconds."""

    __tablename__ = "kpi_delta"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dim: Mapped[str] = mapped_column(String(12))
    day: Mapped[date] = mapped_column(Date)
    tenant_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(32))
    # No secondary index on purpose: the table holds a few seconds of changes (scans are cheap),
    # and every order change inserts up to four rows here.


class Transfer(ProvinceBase):
    """A cross-city transfer (跨市转办) and both cities' responses; reasons are officials' notes.

    pending (order created in the target) -> accepted | sent_back -> disputed -> decided.
    """

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source_tenant_id: Mapped[int] = mapped_column(Integer)
    source_order_id: Mapped[int] = mapped_column(BigInteger)
    source_number: Mapped[str] = mapped_column(String(40))
    source_message_id: Mapped[int] = mapped_column(BigInteger)  # the source outbox message: idempotency
    target_tenant_id: Mapped[int] = mapped_column(Integer)
    target_order_id: Mapped[int | None] = mapped_column(BigInteger)
    target_number: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str | None] = mapped_column(String(8))  # target | source
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    responded_by: Mapped[str | None] = mapped_column(String(128))
    responded_at: Mapped[datetime | None] = mapped_column(TS)
    send_back_reason: Mapped[str | None] = mapped_column(Text)
    disputed_by: Mapped[str | None] = mapped_column(String(128))
    disputed_at: Mapped[datetime | None] = mapped_column(TS)
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(TS)
    decision_note: Mapped[str | None] = mapped_column(Text)
    source_returned_at: Mapped[datetime | None] = mapped_column(TS)
    target_reinstated_at: Mapped[datetime | None] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())

    __table_args__ = (
        UniqueConstraint("source_tenant_id", "source_message_id"),
        Index("ix_transfers_status_requested_at", "status", "requested_at"),
        Index("ix_transfers_source_tenant_id_source_order_id", "source_tenant_id", "source_order_id"),
        Index("ix_transfers_target_tenant_id_target_order_id", "target_tenant_id", "target_order_id"),
    )


class SupervisionFact(ProvinceBase):
    """A manual supervision (督办, city or province level) as the province sees it: no note or answer text."""

    __tablename__ = "supervision_facts"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supervision_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(TS)
    response_due_at: Mapped[datetime | None] = mapped_column(TS)
    answered_at: Mapped[datetime | None] = mapped_column(TS)
    answered_by: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (
        Index("ix_supervision_facts_created_at", "created_at"),
        Index("ix_supervision_facts_tenant_id_order_id", "tenant_id", "order_id"),
    )
