"""Provisioning runs started from the provincial portal: who asked, the step log, the outcome.

A run is the province's own record of the request (the registry row says where a city is; the
run says who started it and what each step did), kept in PostgreSQL so a lost Redis job or a
restarted worker never loses it. See docs/portal.md (Administration).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, SmallInteger, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants import ProvinceBase

TS = DateTime(timezone=True)
QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"


class ProvisionRun(ProvinceBase):
    __tablename__ = "provision_runs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    slug: Mapped[str] = mapped_column(String(31))
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(6))
    order_prefix: Mapped[str | None] = mapped_column(String(8))
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_roles: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    log: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))  # [{"at", "step"}]
    total_steps: Mapped[int] = mapped_column(SmallInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(TS)
    finished_at: Mapped[datetime | None] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status"),
        Index("ix_provision_runs_slug_id", "slug", "id"),
        Index(  # at most one unfinished run per city
            "ix_provision_runs_slug",
            "slug",
            unique=True,
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    @property
    def finished(self) -> bool:
        return self.status in (SUCCEEDED, FAILED)

    @property
    def percent(self) -> int:
        if self.status == SUCCEEDED:
            return 100
        return min(99, round(100 * len(self.log or []) / max(1, self.total_steps)))
