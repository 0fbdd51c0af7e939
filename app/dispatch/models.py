"""Dispatch rules (派单目录): category x district -> lead department (主办) + assisting ones (协办)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantBase

from ..catalog.models import ORIGINS, EditableMixin, sql_in

SPECIFICITY = {4: "minor+district", 3: "minor", 2: "major+district", 1: "major"}


def priority(category_code: str, district_code: str | None) -> int:
    """4 minor+district, 3 minor, 2 major+district, 1 major: the more specific rule wins."""
    return (2 if len(category_code) == 4 else 0) + (2 if district_code else 1)


class DispatchRule(EditableMixin, TenantBase):
    """One row per (category, district or any); the most specific active rule wins.

    Assisting departments are an ordered code list: departments are never deleted, and the
    dispatch service checks every code exists and is active whenever a rule is written.
    """

    __tablename__ = "dispatch_rules"
    __table_args__ = (
        UniqueConstraint("category_code", "district_code", postgresql_nulls_not_distinct=True),
        CheckConstraint(sql_in("origin", ORIGINS), name="origin"),
        Index(None, "lead_department"),
        Index(None, "assist_departments", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(4), ForeignKey("categories.code"))
    district_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("districts.code"))
    lead_department: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"))
    assist_departments: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), server_default=text("'{}'"), default=list
    )
    note: Mapped[str | None] = mapped_column(Text)

    @property
    def priority(self) -> int:
        return priority(self.category_code, self.district_code)

    @property
    def specificity(self) -> str:
        return SPECIFICITY[self.priority]
