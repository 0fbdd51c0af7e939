"""The realm file keeps to Keycloak's realm-export structure (what ``kc.sh import`` reads)."""

from __future__ import annotations

import re

import pytest

from integrations.keycloak import realm as realm_module
from integrations.keycloak.realm import DEMO_DEPARTMENTS, EMERGENCY_PLATFORMS, load_realm

# Field names of Keycloak 26's representations (org.keycloak.representations.idm.*) used here.
REALM_KEYS = {
    "id", "realm", "displayName", "enabled", "sslRequired", "registrationAllowed", "loginWithEmailAllowed",
    "duplicateEmailsAllowed", "resetPasswordAllowed", "editUsernameAllowed", "bruteForceProtected",
    "accessTokenLifespan", "ssoSessionIdleTimeout", "ssoSessionMaxLifespan", "defaultSignatureAlgorithm",
    "internationalizationEnabled", "supportedLocales", "defaultLocale", "roles", "groups", "users", "clients",
    "components", "clientScopes", "defaultDefaultClientScopes", "attributes",
}  # fmt: skip
ROLE_KEYS = {
    "id",
    "name",
    "description",
    "composite",
    "composites",
    "clientRole",
    "containerId",
    "attributes",
}
CLIENT_KEYS = {
    "id", "clientId", "name", "description", "enabled", "protocol", "clientAuthenticatorType", "secret",
    "publicClient", "bearerOnly", "standardFlowEnabled", "implicitFlowEnabled", "directAccessGrantsEnabled",
    "serviceAccountsEnabled", "frontchannelLogout", "fullScopeAllowed", "redirectUris", "webOrigins",
    "rootUrl", "baseUrl", "attributes", "protocolMappers", "defaultClientScopes", "optionalClientScopes",
}  # fmt: skip
MAPPER_KEYS = {"id", "name", "protocol", "protocolMapper", "consentRequired", "config"}
USER_KEYS = {
    "id", "username", "enabled", "emailVerified", "firstName", "lastName", "email", "attributes",
    "credentials", "realmRoles", "clientRoles", "groups", "serviceAccountClientId", "requiredActions",
}  # fmt: skip
GROUP_KEYS = {"id", "name", "path", "attributes", "realmRoles", "clientRoles", "subGroups"}
CREDENTIAL_KEYS = {"type", "value", "temporary"}
MAPPER_TYPES = {"oidc-usermodel-attribute-mapper", "oidc-audience-mapper", "oidc-hardcoded-claim-mapper"}
REALM_MANAGEMENT_ROLES = {
    "manage-users", "view-users", "query-users", "query-groups", "manage-clients", "view-clients",
    "query-clients", "manage-realm", "view-realm", "query-realms", "realm-admin",
}  # fmt: skip
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def realm():
    return load_realm()


def _only(obj: dict, allowed: set[str], what: str) -> None:
    unknown = set(obj) - allowed
    assert not unknown, f"{what}: fields Keycloak's representation does not have: {unknown}"


def _string_map(value, what: str, *, lists: bool) -> None:
    assert isinstance(value, dict), what
    for k, v in value.items():
        assert isinstance(k, str), what
        if lists:
            assert isinstance(v, list) and all(isinstance(x, str) for x in v), f"{what}.{k} must be [str]"
        else:
            assert isinstance(v, str), f"{what}.{k} must be a string (Map<String,String>)"


def test_generated_file_is_current():
    assert realm_module.main(["--check"]) == 0, "run: python -m integrations.keycloak.realm"


def test_top_level_and_roles(realm):
    _only(realm, REALM_KEYS, "realm")
    assert realm["realm"] == "hotline" and realm["enabled"] is True
    roles = realm["roles"]["realm"]
    assert {r["name"] for r in roles} == {
        "agent", "dispatcher", "handler", "city_supervisor", "province_supervisor", "province_admin",
        "api_client", "emergency_system", "kb_editor", "data_partner",
    }  # fmt: skip
    for role in roles:
        _only(role, ROLE_KEYS, f"role {role['name']}")
        assert isinstance(role["composite"], bool)
        if role.get("composites"):
            assert role["composite"] is True
            assert set(role["composites"]) <= {"realm", "client"}
            for client, names in role["composites"].get("client", {}).items():
                assert client == "realm-management" and set(names) <= REALM_MANAGEMENT_ROLES


def test_clients_and_protocol_mappers(realm):
    clients = {c["clientId"]: c for c in realm["clients"]}
    ids = [c["id"] for c in realm["clients"]]
    assert len(ids) == len(set(ids)) and all(UUID.match(i) for i in ids)
    for client in realm["clients"]:
        _only(client, CLIENT_KEYS, f"client {client['clientId']}")
        _string_map(client["attributes"], f"{client['clientId']}.attributes", lists=False)
        assert client["protocol"] == "openid-connect"
        if not client["publicClient"]:
            assert client.get("secret"), f"confidential client {client['clientId']} needs a secret"
        names = [m["name"] for m in client["protocolMappers"]]
        assert len(names) == len(set(names)), "mapper names are unique per client"
        for mapper in client["protocolMappers"]:
            _only(mapper, MAPPER_KEYS, f"mapper {mapper['name']}")
            assert mapper["protocol"] == "openid-connect" and mapper["protocolMapper"] in MAPPER_TYPES
            _string_map(mapper["config"], f"mapper {mapper['name']}.config", lists=False)

    web = clients["hotline-web"]
    assert web["publicClient"] and web["standardFlowEnabled"] and web["directAccessGrantsEnabled"]
    assert web["attributes"]["pkce.code.challenge.method"] == "S256"
    assert any(u.startswith("http://127.0.0.1:8000/") for u in web["redirectUris"])
    claims = {m["config"].get("claim.name") for m in web["protocolMappers"]}
    assert {"tenant", "department"} <= claims
    audiences = {m["config"].get("included.client.audience") for m in web["protocolMappers"]}
    assert "hotline-api" in audiences
    api = clients["hotline-api"]
    assert not api["publicClient"] and not api["standardFlowEnabled"] and not api["serviceAccountsEnabled"]


def test_users_groups_and_service_accounts(realm):
    clients = {c["clientId"]: c for c in realm["clients"]}
    roles = {r["name"] for r in realm["roles"]["realm"]}
    groups = {g["path"]: g for g in realm["groups"]}
    for group in realm["groups"]:
        _only(group, GROUP_KEYS, f"group {group['name']}")
        _string_map(group["attributes"], f"group {group['name']}", lists=True)
        assert group["path"] == "/" + group["name"] and group["attributes"]["tenant"] == [group["name"]]
    usernames = [u["username"] for u in realm["users"]]
    assert len(usernames) == len(set(usernames))
    for user in realm["users"]:
        _only(user, USER_KEYS, f"user {user['username']}")
        _string_map(user["attributes"], f"user {user['username']}.attributes", lists=True)
        assert set(user["realmRoles"]) <= roles
        assert all(path in groups for path in user.get("groups", []))
        for cred in user.get("credentials", []):
            _only(cred, CREDENTIAL_KEYS, "credential")
        for client, names in user.get("clientRoles", {}).items():
            assert client == "realm-management" and set(names) <= REALM_MANAGEMENT_ROLES
        if user.get("serviceAccountClientId"):
            assert clients[user["serviceAccountClientId"]]["serviceAccountsEnabled"]
            assert user["username"] == "service-account-" + user["serviceAccountClientId"]
            assert "credentials" not in user
    for client in clients.values():
        if client["serviceAccountsEnabled"]:
            assert "service-account-" + client["clientId"] in usernames


def test_demo_users_and_clients_of_every_city(realm):
    from app.demo.province import cities

    users = {u["username"]: u for u in realm["users"]}
    clients = {c["clientId"]: c for c in realm["clients"]}
    assert users["province.admin"]["realmRoles"] == ["province_admin"]
    assert users["province.supervisor"]["realmRoles"] == ["province_supervisor"]
    assert users["province.kb_editor"]["realmRoles"] == ["kb_editor"]
    assert users["province.kb_editor"]["attributes"] == {}  # no tenant: the province base
    for city in cities():
        slug = city["slug"]
        assert f"/{slug}" in {g["path"] for g in realm["groups"]}
        for role in ("agent", "dispatcher", "city_supervisor", "kb_editor"):
            user = users[f"{role}@{slug}"]
            assert user["realmRoles"] == [role] and user["attributes"] == {"tenant": [slug]}
            assert user["credentials"] == [{"type": "password", "value": "demo", "temporary": False}]
        for code in DEMO_DEPARTMENTS:
            user = users[f"handler.{code}@{slug}"]
            assert user["realmRoles"] == ["handler"]
            assert user["attributes"] == {"tenant": [slug], "department": [code]}
        for client_id, role in [
            (f"emergency-{p}-{slug}", "emergency_system") for p in EMERGENCY_PLATFORMS
        ] + [(f"api-demo-{slug}", "api_client"), (f"partner-demo-{slug}", "data_partner")]:
            assert users["service-account-" + client_id]["realmRoles"] == [role]
            tenants = [
                m for m in clients[client_id]["protocolMappers"] if m["config"].get("claim.name") == "tenants"
            ]
            assert tenants and tenants[0]["config"]["claim.value"] == f'["{slug}"]'
            assert tenants[0]["config"]["jsonType.label"] == "JSON"
