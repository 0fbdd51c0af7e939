"""The permission matrix: who may do what, in one place.

Views and services ask ``require(permission)``; nothing checks role names elsewhere.
Department scoping (handlers act only on their own assignments) is a data rule in the
orders service, on top of this matrix.
"""

from __future__ import annotations

from .principal import Principal, Role

A, D, H, CS = Role.AGENT, Role.DISPATCHER, Role.HANDLER, Role.CITY_SUPERVISOR
PS, PA, API, EM = Role.PROVINCE_SUPERVISOR, Role.PROVINCE_ADMIN, Role.API_CLIENT, Role.EMERGENCY_SYSTEM
KB, DP = Role.KB_EDITOR, Role.DATA_PARTNER

MATRIX: dict[str, frozenset[str]] = {
    # the caller's own identity (/api/v1/me)
    "identity.read": frozenset(Role.ALL),
    # platform administration
    "tenants.read": frozenset({PA, PS}),
    "tenants.manage": frozenset({PA}),
    "clients.read": frozenset({PA, PS}),  # third-party clients and their api_keys
    "clients.manage": frozenset({PA}),
    # reference data
    "catalog.read": frozenset({A, D, H, CS, PS, PA, API, EM}),
    "catalog.manage": frozenset({CS, PA}),
    # calendars and SLA
    "calendar.read": frozenset({A, D, H, CS, PS, PA, API}),
    "calendar.manage_city": frozenset({CS, PA}),
    "calendar.manage_province": frozenset({PA}),
    "sla.read": frozenset({A, D, H, CS, PS, PA, API}),
    "sla.manage": frozenset({CS, PA}),
    # work orders
    "orders.read": frozenset({A, D, H, CS, PS, PA, API, EM}),
    "orders.create": frozenset({A, D, API, EM}),
    "orders.dispatch": frozenset({D}),
    "orders.classify": frozenset({A, D}),  # triage (分拣): set the category of a channel order
    "agents.skills": frozenset({D, CS}),  # grant agents' skills (sign language, foreign language ...)
    "orders.handle": frozenset({H}),  # accept, assist-reply, return, request-extension, reply
    "orders.review": frozenset({D}),  # reject-return, approve/reject extension, reject-reply, merge
    "orders.close": frozenset({A, D}),
    "orders.callback": frozenset({A}),
    "orders.reopen": frozenset({D, CS}),
    "orders.supervise": frozenset({CS, PS}),
    "orders.transfer": frozenset({D}),
    "orders.escalate": frozenset({A, D}),
    "orders.reveal_phone": frozenset({A, D, CS}),  # unmasked caller phone, audited
    "orders.see_confidential_caller": frozenset({A, D, CS}),
    # data partners (数据合作方): desensitized orders of their city (no caller, no confidential orders)
    "orders.read_desensitized": frozenset({DP}),
    "partner.kpis": frozenset({DP}),  # a city's KPIs and hotspots, aggregated
    # emergency linkage (110/119/120/122, docs/integrations.md): platforms send, cities configure
    "emergency.report": frozenset({EM}),  # incidents and statuses in (signed, per city)
    "emergency.read": frozenset({A, D, CS, PS, PA}),  # platform settings (no secrets), class maps
    "emergency.manage": frozenset({CS, PA}),  # a city's platform endpoints, secrets and own class rows
    "emergency.manage_province": frozenset({PA}),  # the province's class map
    "orders.joint": frozenset({A, D}),  # joint handling: three-way call, first-receiver rule
    # province layer
    "province.read": frozenset({PS, PA}),
    "province.supervise": frozenset({PS}),
    "province.decide_transfer": frozenset({PS}),
    "kpis.read": frozenset({CS, PS, PA}),
    "transfers.read": frozenset({A, D, CS, PS, PA}),  # a city's transfers in and out
    "transfers.respond": frozenset({D}),  # accept, send back, dispute a cross-city transfer
    "supervision.answer": frozenset({D, CS}),  # the city answers a supervision (督办回复)
    "audit.read": frozenset({CS, PS, PA}),
    # the outbox: a city's dead letters and waiting lines; province-wide lists and retries
    "outbox.read": frozenset({CS, PA}),
    "outbox.manage": frozenset({PA}),
    # integrations: external departments (utilities) and third-party webhooks of a city
    "utilities.read": frozenset({D, CS, PA}),
    "utilities.manage": frozenset({CS, PA}),
    "webhooks.read": frozenset({CS, PA}),
    "webhooks.manage": frozenset({CS, PA}),
    # knowledge base (知识库): editors write, supervisors review their own level
    "kb.read": frozenset({A, D, H, CS, PS, PA, KB}),
    "kb.edit": frozenset({KB}),
    "kb.review_city": frozenset({CS}),
    "kb.review_province": frozenset({PS}),
    # web areas (admin_portal): which area a signed-in user works in
    "web.desk": frozenset({A, D, CS, KB}),  # city hotline desk /desk/ (a city kb_editor: its KB pages only)
    "web.dept": frozenset({H}),  # department web /dept/
    "web.province": frozenset({PS, PA, KB}),  # provincial portal /province/ (kb_editor: the KB pages only)
}


class PermissionDenied(Exception):
    def __init__(self, permission: str):
        super().__init__(f"your role may not do this ({permission})")
        self.permission = permission


def allowed(principal: Principal | None, permission: str) -> bool:
    if principal is None:
        return False
    try:
        roles = MATRIX[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}; add it to app/auth/policy.py") from None
    return bool(principal.roles & roles)


def require(principal: Principal | None, permission: str) -> None:
    if not allowed(principal, permission):
        raise PermissionDenied(permission)
