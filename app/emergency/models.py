"""What the emergency linkage keeps (docs/integrations.md): each city's platform settings, the links
between orders and the platforms' incidents, the inbound messages already applied, class maps."""

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
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants import ProvinceBase, TenantBase

from ..orders.workflow import EMERGENCY_TARGETS

PLATFORM_SQL = "platform IN (" + ", ".join(f"'{p}'" for p in EMERGENCY_TARGETS) + ")"


class Platform(TenantBase):
    """One emergency platform of this city: where escalations go and which client speaks for it.

    The signing secret is never stored: it is derived from the deployment's SECRET_KEY, the city,
    the platform and ``secret_generation`` (app/emergency/platforms.py), so rotating it is a counter.
    """

    __tablename__ = "emergency_platforms"

    platform: Mapped[str] = mapped_column(String(3), primary_key=True)
    endpoint_url: Mapped[str | None] = mapped_column(String(500))  # None: escalations wait (not configured)
    client_id: Mapped[str] = mapped_column(String(128), unique=True)  # the platform's Keycloak client
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    secret_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    previous_secret_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint(PLATFORM_SQL, name="platform"),)


class Link(TenantBase):
    """An order and a platform's incident: escalated by us (``out``) or handed to us (``in``)."""

    __tablename__ = "emergency_links"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(3))
    direction: Mapped[str] = mapped_column(String(3))  # out | in
    incident_id: Mapped[str | None] = mapped_column(String(64))  # the platform's number; None until acked
    police_dispatched: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    remote_status: Mapped[str | None] = mapped_column(String(24))
    remote_status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    three_way_call_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # 三方通话
    three_way_call_note: Mapped[str | None] = mapped_column(Text)
    first_receiver: Mapped[str | None] = mapped_column(String(5))  # 首接负责: "12345" or the platform
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("direction IN ('out', 'in')", name="direction"),
        CheckConstraint(PLATFORM_SQL, name="platform"),
        Index("uq_emergency_links_order", "order_id", "platform", "direction", unique=True),
        Index(
            "uq_emergency_links_incident",
            "platform",
            "incident_id",
            unique=True,
            postgresql_where=text("incident_id IS NOT NULL"),
        ),
    )


class InboxMessage(TenantBase):
    """An inbound message already applied, by the sender's message id: a redelivery changes nothing."""

    __tablename__ = "emergency_inbox"

    platform: Mapped[str] = mapped_column(String(3), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # incident | status
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the message's content
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    response: Mapped[dict] = mapped_column(JSONB)  # what the first delivery was answered
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class _ClassMapColumns:
    """A platform's class (police or not, major/minor) and the city category it stands for."""

    platform: Mapped[str] = mapped_column(String(3), primary_key=True)
    class_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    class_name: Mapped[str] = mapped_column(String(100))
    major_code: Mapped[str | None] = mapped_column(String(32))
    major_name: Mapped[str | None] = mapped_column(String(100))
    police: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    category_code: Mapped[str | None] = mapped_column(String(16))  # None: no 12345 category (triage)
    updated_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProvinceClassMap(_ClassMapColumns, ProvinceBase):
    """The province's mapping, shared by every city (a city row of the same class overrides it)."""

    __tablename__ = "emergency_class_map"
    __table_args__ = (CheckConstraint(PLATFORM_SQL, name="platform"),)


class CityClassMap(_ClassMapColumns, TenantBase):
    """This city's own rows: they replace the province's row of the same platform and class."""

    __tablename__ = "emergency_class_map"
    __table_args__ = (CheckConstraint(PLATFORM_SQL, name="platform"),)
