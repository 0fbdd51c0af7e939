"""The ``hotline`` realm in Keycloak's realm-export format, from the demo data (docs/architecture.md §5).

``python -m integrations.keycloak.realm`` rewrites ``realm-hotline.json``: the file that a real
Keycloak 26 imports (``kc.sh import --file``) and that the dev IdP serves. Ids are UUIDv5 of the
names, so regenerating gives the same file.

Clients (the DESIGN says "one confidential service-account client per third party and per
emergency platform"): emergency platforms are city services, so there is one client per
platform per city, ``emergency-<110|119|120|122>-<city>``, one demo third party per city,
``api-demo-<city>``, and one demo data partner per city, ``partner-demo-<city>``. Each carries
hardcoded ``tenant`` and ``tenants`` (granted slugs) claims; a client granted several cities lists
them all in ``tenants``. Third parties registered by the province admin get the same shape of
client at run time, through the admin API (``clients.py``, ``service_client_rep``).
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

from .user_profile import USER_PROFILE as _USER_PROFILE

REALM = "hotline"
AUDIENCE = "hotline-api"
WEB_CLIENT = "hotline-web"
PROVISIONER_CLIENT = "hotline-provisioner"
DEMO_PASSWORD = "demo"
EMERGENCY_PLATFORMS = ("110", "119", "120", "122")
REALM_FILE = Path(__file__).parent / "realm-hotline.json"

# Demo departments of every city (docs/architecture.md §5); handler.<code>@<city>.
DEMO_DEPARTMENTS = {
    "zjj": "市住建局",
    "cgj": "市城管局",
    "sthjj": "市生态环境局",
    "scjgj": "市市场监管局",
    "rsj": "市人力资源和社会保障局",
}
ROLES = {
    "agent": "话务员: intake, direct closure, callback (tenant-bound)",
    "dispatcher": "派单员: dispatch and review (tenant-bound)",
    "handler": "承办单位 user of one department (tenant-bound)",
    "city_supervisor": "市级督办 (tenant-bound)",
    "province_supervisor": "省级督办 (all tenants)",
    "province_admin": "platform administration (all tenants; manages realm users and groups)",
    "api_client": "third-party system, client credentials (granted tenants)",
    "emergency_system": "110/119/120/122 platform (granted tenants)",
    "kb_editor": "知识库编辑: city articles (tenant-bound) or, without a tenant, the province base",
    "data_partner": "数据合作方: desensitized data of its city, client credentials (granted tenants)",
}
# What the provisioning service account (and province_admin) may do in the realm.
USER_ADMIN_ROLES = ["manage-users", "view-users", "query-users", "query-groups"]
# The provisioning account also keeps the registry's service-account clients (docs/open311.md).
CLIENT_ADMIN_ROLES = ["manage-clients", "view-clients", "query-clients"]
ROLE_TITLES = {
    "agent": "话务员",
    "dispatcher": "派单员",
    "city_supervisor": "市级督办",
    "handler": "承办人",
    "kb_editor": "知识库编辑",
}
CITY_ROLES = ("agent", "dispatcher", "city_supervisor", "kb_editor")
_NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:hotline12345:realm:hotline")


def stable_id(kind: str, name: str) -> str:
    return str(uuid.uuid5(_NS, f"{kind}:{name}"))


def client_secret(client_id: str) -> str:
    """Development secret of a confidential client (rotate them in a real Keycloak)."""
    return f"{client_id}-dev-secret"


def cities() -> list[dict[str, Any]]:
    from app.demo.province import cities as demo_cities

    return demo_cities()


# -- users and groups -------------------------------------------------------------------------


def _user(username: str, role: str, first: str, last: str, attributes: dict[str, str]) -> dict[str, Any]:
    email_local = username.replace("@", ".")
    return {
        "id": stable_id("user", username),
        "username": username,
        "enabled": True,
        "emailVerified": True,
        "firstName": first,
        "lastName": last,
        "email": f"{email_local}@demo.hotline.invalid",
        "attributes": {k: [v] for k, v in attributes.items()},
        "credentials": [{"type": "password", "value": DEMO_PASSWORD, "temporary": False}],
        "realmRoles": [role],
        "groups": [f"/{attributes['tenant']}"] if "tenant" in attributes else [],
    }


def demo_users_for(slug: str, city_name: str = "") -> list[dict[str, Any]]:
    """The demo users of one city (also created at provisioning for cities not in the file)."""
    last = city_name or slug
    users = [_user(f"{role}@{slug}", role, ROLE_TITLES[role], last, {"tenant": slug}) for role in CITY_ROLES]
    for code, dept in DEMO_DEPARTMENTS.items():
        users.append(
            _user(f"handler.{code}@{slug}", "handler", dept, last, {"tenant": slug, "department": code})
        )
    # a department-bound knowledge editor: writes only its department's articles (docs/knowledge.md)
    users.append(
        _user(
            f"kb_editor.zjj@{slug}",
            "kb_editor",
            "住建局知识库编辑",
            last,
            {"tenant": slug, "department": "zjj"},
        )
    )
    return users


def group_for(slug: str, city_name: str = "") -> dict[str, Any]:
    attributes = {"tenant": [slug]}
    if city_name:
        attributes["name"] = [city_name]
    return {"id": stable_id("group", slug), "name": slug, "path": f"/{slug}", "attributes": attributes}


def _province_users() -> list[dict[str, Any]]:
    out = []
    for username, role, first in (
        ("province.admin", "province_admin", "平台管理员"),
        ("province.supervisor", "province_supervisor", "省级督办"),
        ("province.kb_editor", "kb_editor", "省级知识库编辑"),
    ):
        user = _user(username, role, first, "河北省", {})
        out.append(user)
    return out


# -- clients ----------------------------------------------------------------------------------


def _mapper(name: str, mapper: str, config: dict[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "protocol": "openid-connect",
        "protocolMapper": mapper,
        "consentRequired": False,
        "config": config,
    }


def _attribute_mapper(attribute: str) -> dict[str, Any]:
    return _mapper(
        attribute,
        "oidc-usermodel-attribute-mapper",
        {
            "user.attribute": attribute,
            "claim.name": attribute,
            "jsonType.label": "String",
            "multivalued": "false",
            "aggregate.attrs": "false",
            "access.token.claim": "true",
            "id.token.claim": "true",
            "userinfo.token.claim": "true",
            "introspection.token.claim": "true",
        },
    )


def _audience_mapper() -> dict[str, Any]:
    return _mapper(
        "audience-hotline-api",
        "oidc-audience-mapper",
        {
            "included.client.audience": AUDIENCE,
            "access.token.claim": "true",
            "id.token.claim": "false",
            "introspection.token.claim": "true",
        },
    )


def _hardcoded(claim: str, value: str, json_type: str) -> dict[str, Any]:
    return _mapper(
        f"hardcoded-{claim}",
        "oidc-hardcoded-claim-mapper",
        {
            "claim.name": claim,
            "claim.value": value,
            "jsonType.label": json_type,
            "access.token.claim": "true",
            "id.token.claim": "false",
            "userinfo.token.claim": "false",
            "introspection.token.claim": "true",
        },
    )


def _client(client_id: str, name: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": stable_id("client", client_id),
        "clientId": client_id,
        "name": name,
        "enabled": True,
        "protocol": "openid-connect",
        "clientAuthenticatorType": "client-secret",
        "publicClient": False,
        "bearerOnly": False,
        "standardFlowEnabled": False,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "serviceAccountsEnabled": False,
        "frontchannelLogout": True,
        "fullScopeAllowed": True,
        "redirectUris": [],
        "webOrigins": [],
        "attributes": {},
        "protocolMappers": [],
    }
    base.update(fields)
    return base


def service_client_rep(client_id: str, name: str, tenants: list[str], secret: str | None = None) -> dict:
    """A confidential client with only the client-credentials grant, bound to ``tenants`` by
    hardcoded claims (the token's ``tenant``/``tenants``) and with the API as its audience."""
    rep = _client(
        client_id,
        name,
        serviceAccountsEnabled=True,
        attributes={"access.token.lifespan": "300"},
        protocolMappers=[
            _audience_mapper(),
            _hardcoded("tenants", json.dumps(tenants), "JSON"),
            *([_hardcoded("tenant", tenants[0], "String")] if len(tenants) == 1 else []),
        ],
    )
    if secret:
        rep["secret"] = secret
    return rep


def _service_client(client_id: str, name: str, role: str, tenants: list[str]) -> tuple[dict, dict]:
    client = service_client_rep(client_id, name, tenants, client_secret(client_id))
    account = {
        "id": stable_id("user", f"service-account-{client_id}"),
        "username": f"service-account-{client_id}",
        "enabled": True,
        "serviceAccountClientId": client_id,
        "attributes": {},
        "realmRoles": [role],
    }
    return client, account


def _clients(slugs: list[str]) -> tuple[list[dict], list[dict]]:
    web = _client(
        WEB_CLIENT,
        "12345 portals (province, department web, city desk)",
        publicClient=True,
        standardFlowEnabled=True,
        directAccessGrantsEnabled=True,  # dev realm: demo logins and tests use the password grant
        redirectUris=["/*", "http://127.0.0.1:8000/*", "http://localhost:8000/*"],
        webOrigins=["+"],
        attributes={"pkce.code.challenge.method": "S256", "post.logout.redirect.uris": "+"},
        protocolMappers=[_audience_mapper(), _attribute_mapper("tenant"), _attribute_mapper("department")],
    )
    api = _client(AUDIENCE, "12345 API (token audience; introspection)", secret=client_secret(AUDIENCE))
    provisioner = _client(
        PROVISIONER_CLIENT,
        "Tenant provisioning (creates city groups and users)",
        secret=client_secret(PROVISIONER_CLIENT),
        serviceAccountsEnabled=True,
    )
    provisioner_account = {
        "id": stable_id("user", f"service-account-{PROVISIONER_CLIENT}"),
        "username": f"service-account-{PROVISIONER_CLIENT}",
        "enabled": True,
        "serviceAccountClientId": PROVISIONER_CLIENT,
        "attributes": {},
        "realmRoles": [],
        "clientRoles": {"realm-management": [*USER_ADMIN_ROLES, *CLIENT_ADMIN_ROLES]},
    }
    clients, accounts = [web, api, provisioner], [provisioner_account]
    for slug in slugs:
        for platform in EMERGENCY_PLATFORMS:
            c, a = _service_client(
                f"emergency-{platform}-{slug}", f"{platform} platform ({slug})", "emergency_system", [slug]
            )
            clients.append(c)
            accounts.append(a)
        for prefix, title, role in (
            ("api-demo", "Demo third-party system", "api_client"),
            ("partner-demo", "Demo data partner", "data_partner"),
        ):
            c, a = _service_client(f"{prefix}-{slug}", f"{title} ({slug})", role, [slug])
            clients.append(c)
            accounts.append(a)
    return clients, accounts


# -- the realm --------------------------------------------------------------------------------


def build_realm() -> dict[str, Any]:
    all_cities = cities()
    slugs = [c["slug"] for c in all_cities]
    clients, service_accounts = _clients(slugs)
    users = _province_users()
    for c in all_cities:
        users.extend(demo_users_for(c["slug"], c["name"]))
    realm_roles = [
        {"id": stable_id("role", name), "name": name, "description": text, "composite": False}
        for name, text in ROLES.items()
    ]
    for role in realm_roles:
        if role["name"] == "province_admin":
            role["composite"] = True
            role["composites"] = {"client": {"realm-management": list(USER_ADMIN_ROLES)}}
    return {
        "id": REALM,
        "realm": REALM,
        "displayName": "12345 政务服务便民热线 (河北省)",
        "enabled": True,
        "sslRequired": "external",
        "registrationAllowed": False,
        "loginWithEmailAllowed": False,
        "duplicateEmailsAllowed": False,
        "resetPasswordAllowed": False,
        "editUsernameAllowed": False,
        "bruteForceProtected": True,
        "accessTokenLifespan": 300,
        "ssoSessionIdleTimeout": 1800,
        "ssoSessionMaxLifespan": 36000,
        "defaultSignatureAlgorithm": "RS256",
        "internationalizationEnabled": True,
        "supportedLocales": ["zh-CN", "en"],
        "defaultLocale": "zh-CN",
        "roles": {"realm": realm_roles},
        "groups": [group_for(c["slug"], c["name"]) for c in all_cities],
        "users": users + service_accounts,
        "clients": clients,
        "components": {
            "org.keycloak.userprofile.UserProfileProvider": [
                {
                    "providerId": "declarative-user-profile",
                    "subComponents": {},
                    "config": {"kc.user.profile.config": [json.dumps(_USER_PROFILE, ensure_ascii=False)]},
                }
            ]
        },
    }


def load_realm(path: Path = REALM_FILE) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def render(realm: dict[str, Any]) -> str:
    return json.dumps(realm, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str]) -> int:
    """Rewrite the realm file (``--check`` only compares)."""
    text = render(build_realm())
    if "--check" in argv:
        current = REALM_FILE.read_text(encoding="utf-8") if REALM_FILE.exists() else ""
        if current != text:
            print(f"{REALM_FILE} is stale: run python -m integrations.keycloak.realm")
            return 1
        return 0
    REALM_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {REALM_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
