"""The authenticated caller, built from verified token claims (docs/architecture.md §5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Role:
    AGENT = "agent"  # 话务员: takes calls, intake, direct closure, callback
    DISPATCHER = "dispatcher"  # 派单员: dispatch, reviews returns/replies/extensions
    HANDLER = "handler"  # 承办单位: a handling department's user
    CITY_SUPERVISOR = "city_supervisor"  # 市级督办
    PROVINCE_SUPERVISOR = "province_supervisor"  # 省级督办
    PROVINCE_ADMIN = "province_admin"  # platform administration
    API_CLIENT = "api_client"  # third-party system, client credentials
    EMERGENCY_SYSTEM = "emergency_system"  # 110/119/120/122 platforms
    KB_EDITOR = "kb_editor"  # 知识库编辑: city (tenant claim) or province, optionally department-bound
    DATA_PARTNER = "data_partner"  # 数据合作方: desensitized data of its city only (/api/v1/partner/...)

    TENANT_BOUND = frozenset({AGENT, DISPATCHER, HANDLER, CITY_SUPERVISOR, KB_EDITOR})
    PROVINCE = frozenset({PROVINCE_SUPERVISOR, PROVINCE_ADMIN})
    SYSTEM = frozenset({API_CLIENT, EMERGENCY_SYSTEM, DATA_PARTNER})  # service accounts
    ALL = TENANT_BOUND | PROVINCE | SYSTEM


@dataclass(frozen=True)
class Principal:
    subject: str
    username: str
    roles: frozenset[str]
    tenant: str | None = None  # slug, for tenant-bound users and single-tenant clients
    department: str | None = None  # department code, handlers only
    client_id: str | None = None  # service-account clients
    granted_tenants: frozenset[str] = field(default_factory=frozenset)  # api_client / emergency_system
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_province(self) -> bool:
        return bool(self.roles & Role.PROVINCE)

    def may_enter(self, slug: str) -> bool:
        """Tenant binding: province roles reach every city, others only their own or granted ones."""
        if self.is_province:
            return True
        if self.roles & Role.SYSTEM:
            return slug in self.granted_tenants or slug == self.tenant
        return self.tenant == slug and bool(self.roles & Role.TENANT_BOUND)
