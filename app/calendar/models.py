"""Entered calendar days: the province's (national corrections, years the library lacks)
and each city's (local days). The library's own days are never copied into tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from tenants import ProvinceBase, TenantBase


class _DayColumns:
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(50))  # e.g. 春节, 国庆节调休上班
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ProvinceCalendarDay(_DayColumns, ProvinceBase):
    """A day entered once for the whole province (省级日历)."""

    __tablename__ = "calendar_days"


class CityCalendarDay(_DayColumns, TenantBase):
    """A local day of one city (市级日历), overriding province and library."""

    __tablename__ = "calendar_days"
