"""Provisioning step "identity": a city's realm group and (outside production) its demo users.

Everything goes through python-keycloak's ``KeycloakAdmin`` with a service-account token
(client credentials of ``KEYCLOAK_ADMIN_CLIENT_ID``), against the real Keycloak when
``KEYCLOAK_URL`` is set. With the dev IdP mounted in this app, the same admin client is
routed to the app in-process (``devidp.transport``): the CLI has no server listening, and a
gunicorn worker must not wait on its own port. Idempotent: rerunning finds what exists,
re-enables demo users and fixes group membership and roles. Dropping a tenant disables every
user of its group or with its ``tenant`` attribute (they are kept for the audit trail).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app
from keycloak import KeycloakAdmin, KeycloakGetError, KeycloakOpenIDConnection

from tenants.context import TenantRef

from .realm import demo_users_for, group_for

log = logging.getLogger(__name__)


class IdentityConfigError(RuntimeError):
    pass


def admin_client(app: Flask | None = None) -> KeycloakAdmin:
    """A KeycloakAdmin for the realm, authenticated as the provisioning service account."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    settings = app.extensions["settings"]
    client_id = settings.keycloak_admin_client_id
    secret = settings.keycloak_admin_client_secret
    idp = app.extensions.get("devidp")
    if settings.keycloak_url:
        server = settings.keycloak_url.rstrip("/") + "/"
        if not secret:
            raise IdentityConfigError("KEYCLOAK_ADMIN_CLIENT_SECRET is required to provision in Keycloak")
    elif idp is not None:
        server = idp.server_url + "/"
        client = idp.realm.clients.get(client_id)
        secret = secret or (client.rep.get("secret") if client else None)
    else:
        raise IdentityConfigError("no identity provider configured")
    connection = KeycloakOpenIDConnection(
        server_url=server,
        realm_name=settings.keycloak_realm,
        client_id=client_id,
        client_secret_key=secret,
        grant_type="client_credentials",
        timeout=30,
    )
    if not settings.keycloak_url:
        from .devidp.transport import route_in_process

        route_in_process(connection, server, app)
        route_in_process(connection.keycloak_openid.connection, server, app)
    return KeycloakAdmin(connection=connection)


def ensure_group(admin: KeycloakAdmin, slug: str, city_name: str = "") -> str:
    wanted = group_for(slug, city_name)
    try:
        group = admin.get_group_by_path(f"/{slug}")
    except KeycloakGetError as exc:
        if exc.response_code != 404:
            raise
        group_id = admin.create_group({"name": slug, "attributes": wanted["attributes"]}, skip_exists=True)
        if group_id:
            return group_id
        group = admin.get_group_by_path(f"/{slug}")  # created concurrently
    if (group.get("attributes") or {}).get("tenant") != [slug]:
        attributes = {**(group.get("attributes") or {}), "tenant": [slug]}
        admin.update_group(group["id"], {"name": slug, "attributes": attributes})
    return group["id"]


def ensure_user(admin: KeycloakAdmin, rep: dict[str, Any], group_id: str, roles: dict[str, dict]) -> str:
    found = admin.get_users({"username": rep["username"], "exact": True, "max": 1})
    if found:
        user = found[0]
        user_id = user["id"]
        if not user.get("enabled") or (user.get("attributes") or {}) != rep["attributes"]:
            # the whole representation: Keycloak's PUT may clear profile fields left out
            admin.update_user(user_id, {**user, "enabled": True, "attributes": rep["attributes"]})
    else:
        payload = {k: v for k, v in rep.items() if k not in ("id", "realmRoles")}
        user_id = admin.create_user(payload)
    admin.group_user_add(user_id, group_id)
    have = {r["name"] for r in admin.get_realm_roles_of_user(user_id)}
    missing = [name for name in rep["realmRoles"] if name not in have]
    if missing:
        for name in missing:
            if name not in roles:
                roles[name] = admin.get_realm_role(name)
        admin.assign_realm_roles(user_id, [roles[name] for name in missing])
    return user_id


def provision_tenant(ref: TenantRef, app: Flask | None = None) -> dict[str, Any]:
    """The provisioning step: group ``/<slug>`` (attribute tenant) and, outside production, demo users."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    admin = admin_client(app)
    group_id = ensure_group(admin, ref.slug, ref.name)
    users = []
    if not app.extensions["settings"].is_production:
        roles: dict[str, dict] = {}
        users = [ensure_user(admin, rep, group_id, roles) for rep in demo_users_for(ref.slug, ref.name)]
    return {"group": group_id, "users": users}


def disable_tenant(ref: TenantRef, app: Flask | None = None) -> list[str]:
    """Drop hook: disable the tenant's users (members of its group or carrying its attribute)."""
    admin = admin_client(app)
    users: dict[str, dict] = {u["id"]: u for u in admin.get_users({"q": f"tenant:{ref.slug}"})}
    try:
        group = admin.get_group_by_path(f"/{ref.slug}")
        users.update({u["id"]: u for u in admin.get_group_members(group["id"])})
    except KeycloakGetError as exc:
        if exc.response_code != 404:
            raise
    disabled = []
    for user_id, user in users.items():
        if user.get("enabled"):
            admin.update_user(user_id, {**user, "enabled": False})
            disabled.append(user_id)
    log.info("tenant %s dropped: disabled %d identity user(s)", ref.slug, len(disabled))
    return disabled


def register() -> None:
    from tenants.provision import register_drop_hook, register_step

    register_step("identity", provision_tenant)
    register_drop_hook("identity", disable_tenant)
