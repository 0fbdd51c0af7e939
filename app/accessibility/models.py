"""Agents' skills (坐席技能): who can take a sign-language video, a foreign language, a dialect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantBase


class AgentSkill(TenantBase):
    __tablename__ = "agent_skills"

    username: Mapped[str] = mapped_column(String(128), primary_key=True)
    skill: Mapped[str] = mapped_column(String(32), primary_key=True)
    detail: Mapped[str | None] = mapped_column(String(64))  # e.g. languages: "en,ja"
    granted_by: Mapped[str] = mapped_column(String(128))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
