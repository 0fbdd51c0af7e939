"""Background export files: one row per requested export, the file itself in PostgreSQL.

The file lives in the database (not on a pod's disk) so any web process can serve what any
worker wrote; it is desensitized by construction (built from the PII-free province layer) and
expires (``expires_at``; the hourly purge deletes it). See docs/portal.md (Exports).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, deferred, mapped_column

from tenants import ProvinceBase

TS = DateTime(timezone=True)
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class ExportFile(ProvinceBase):
    __tablename__ = "export_files"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    owner: Mapped[str] = mapped_column(String(128))  # the requester's username: only they download it
    owner_tenant: Mapped[str | None] = mapped_column(String(31))  # a city user's city; None: province
    kind: Mapped[str] = mapped_column(String(32))  # which table: orders
    fmt: Mapped[str] = mapped_column(String(8))
    params: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16))
    total_rows: Mapped[int | None] = mapped_column(Integer)
    done_rows: Mapped[int] = mapped_column(Integer, server_default="0")
    file_bytes: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(TS)
    expires_at: Mapped[datetime] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        Index("ix_export_files_owner_id", "owner", "id"),
        Index("ix_export_files_expires_at", "expires_at"),
    )

    @property
    def percent(self) -> int:
        if self.status == DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, round(100 * self.done_rows / self.total_rows))

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.id}.{self.fmt}"
