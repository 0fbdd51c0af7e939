"""Per-city reference data: districts, the two-level subject taxonomy, handling departments.

Rows are never deleted (orders keep referring to them); ``active`` retires them.
``origin`` tells a provincial-baseline row from one the city added itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantBase

APPEAL_TYPES = ("consultation", "help", "complaint", "report", "suggestion", "praise")
SEASONS = ("spring", "summer", "autumn", "winter")
DEPARTMENT_KINDS = ("city_bureau", "district_government", "utility", "other")
ORIGINS = ("baseline", "city")

MAJOR_CODE = r"^[0-9]{2}$"
MINOR_CODE = r"^[0-9]{4}$"
DEPARTMENT_CODE = r"^[a-z][a-z0-9_]{1,31}$"
DISTRICT_CODE = r"^[0-9]{6}$"


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """A CHECK expression: ``column IN (...)`` over fixed literals."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class EditableMixin:
    """Bookkeeping shared by the editable tables."""

    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"), default=True)
    origin: Mapped[str] = mapped_column(String(8), server_default="city", default="city")
    updated_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class District(TenantBase):
    """A county-level division of the city (区/县/县级市); codes are illustrative in the demo."""

    __tablename__ = "districts"
    __table_args__ = (CheckConstraint(f"code ~ '{DISTRICT_CODE}'", name="code_format"),)

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    sort_order: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"), default=True)


class Category(EditableMixin, TenantBase):
    """A subject category (诉求分类): major ``NN`` or minor ``NNMM`` under major ``NN``."""

    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint(
            f"(parent_code IS NULL AND code ~ '{MAJOR_CODE}') OR "
            f"(parent_code IS NOT NULL AND code ~ '{MINOR_CODE}' AND left(code, 2) = parent_code)",
            name="code_scheme",
        ),
        CheckConstraint(
            f"appeal_type_hint IS NULL OR {sql_in('appeal_type_hint', APPEAL_TYPES)}", name="hint"
        ),
        CheckConstraint(f"season IS NULL OR {sql_in('season', SEASONS)}", name="season"),
        CheckConstraint(sql_in("origin", ORIGINS), name="origin"),
        Index(None, "parent_code"),
    )

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(String(4), ForeignKey("categories.code"))
    name: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(100))
    appeal_type_hint: Mapped[str | None] = mapped_column(String(16))  # default 诉求类型 for intake
    season: Mapped[str | None] = mapped_column(String(8))  # seasonal wave (供暖: winter)
    sort_order: Mapped[int] = mapped_column(Integer, server_default="0", default=0)

    @property
    def is_leaf(self) -> bool:
        """Orders are filed on minors only; the taxonomy has exactly two levels."""
        return self.parent_code is not None

    @property
    def level(self) -> str:
        return "minor" if self.is_leaf else "major"


class Department(EditableMixin, TenantBase):
    """A handling department (承办单位): city bureau, district government, utility or other."""

    __tablename__ = "departments"
    __table_args__ = (
        CheckConstraint(f"code ~ '{DEPARTMENT_CODE}'", name="code_format"),
        CheckConstraint(sql_in("kind", DEPARTMENT_KINDS), name="kind"),
        CheckConstraint("kind <> 'district_government' OR district_code IS NOT NULL", name="district"),
        CheckConstraint(sql_in("origin", ORIGINS), name="origin"),
        Index(None, "kind"),
        Index(None, "district_code"),
        # One government per district: ``@district`` rules resolve to it.
        Index(
            "uq_departments_district_government",
            "district_code",
            unique=True,
            postgresql_where=text("kind = 'district_government'"),
        ),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str | None] = mapped_column(String(50))  # 简称, e.g. 市住建局
    kind: Mapped[str] = mapped_column(String(24))
    district_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("districts.code"))
    phone: Mapped[str | None] = mapped_column(String(32))  # duty line for dispatchers
    sort_order: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
