"""Third-party clients of a city (province registry): Open311 ``api_key`` holders and
service accounts in the realm (client credentials), docs/open311.md.

Neither secret is stored: an api_key only as its sha256, a service account's secret only in
the realm, so a leaked table grants nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from tenants import ProvinceBase


class ApiClient(ProvinceBase):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_slug: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list, server_default="{}")
    rate_limit: Mapped[str] = mapped_column(String(32), default="120/minute", server_default="120/minute")
    key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # api_key: an Open311 key; service_account: a confidential client of the realm of that client_id
    kind: Mapped[str] = mapped_column(String(16), default="api_key", server_default="api_key")
    role: Mapped[str | None] = mapped_column(String(32))  # service accounts: api_client | data_partner
    secret_rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
