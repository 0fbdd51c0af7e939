"""Per-city SLA policies (时限规则), one row per appeal type and urgency."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Numeric, SmallInteger, String, func
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantBase


class SlaPolicy(TenantBase):
    """Seeded from ``baseline.BASELINE`` at provisioning; edited per city."""

    __tablename__ = "sla_policies"

    appeal_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    urgency: Mapped[str] = mapped_column(String(16), primary_key=True)
    unit: Mapped[str] = mapped_column(String(12))  # working_days | hours
    accept_limit: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))
    handle_limit: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))
    return_limit: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))
    extension_max_working_days: Mapped[int] = mapped_column(SmallInteger)
    warn_ratio: Mapped[float] = mapped_column(Numeric(3, 2, asdecimal=False))
    updated_by: Mapped[str | None] = mapped_column(String(128))  # None: as seeded from the baseline
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        CheckConstraint("urgency IN ('normal', 'urgent', 'emergency')", name="urgency"),
        CheckConstraint("unit IN ('working_days', 'hours')", name="unit"),
        CheckConstraint(
            "accept_limit >= 0 AND handle_limit >= 0 AND return_limit >= 0 "
            "AND extension_max_working_days >= 0",
            name="limits",
        ),
        CheckConstraint(
            "unit = 'hours' OR (accept_limit = trunc(accept_limit) AND handle_limit = trunc(handle_limit) "
            "AND return_limit = trunc(return_limit))",
            name="whole_days",
        ),
        CheckConstraint("warn_ratio > 0 AND warn_ratio < 1", name="warn_ratio"),
    )
