"""The realm import for a separately deployed Keycloak: the repository's realm, production-ready."""

from __future__ import annotations

import copy
import json

from .chart import ROOT, setting

REALM_FILE = ROOT / "integrations" / "keycloak" / "realm-hotline.json"


def expected(public_url: str, *, demo_users: bool, dev_secrets: bool, realm_name: str = "hotline") -> dict:
    """What the chart promises to do to the file (values.yaml, keycloakRealm)."""
    realm = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    realm = copy.deepcopy(realm)
    realm["realm"] = realm_name
    realm["users"] = [u for u in realm["users"] if demo_users or "serviceAccountClientId" in u]
    for client in realm["clients"]:
        if not dev_secrets:
            client.pop("secret", None)
        if client["clientId"] == "hotline-web":
            client["redirectUris"] = [f"{public_url}/*"]
            client["webOrigins"] = [public_url]
    return realm


def realm_configmap(rendered) -> dict:
    return json.loads(rendered.get("ConfigMap", "hotline-keycloak-realm")["data"]["realm-hotline.json"])


def test_no_realm_unless_asked(render, prod_values):
    rendered = render(prod_values)
    assert not rendered.has("ConfigMap", "hotline-keycloak-realm")
    assert not rendered.all("KeycloakRealmImport")


def test_production_realm_has_no_demo_users_and_no_dev_secrets(render, inline_values):
    rendered = render(inline_values)
    realm = realm_configmap(rendered)
    assert realm == expected("https://12345.example.test", demo_users=False, dev_secrets=False)
    assert not any("credentials" in u for u in realm["users"])  # nobody logs in with "demo"
    provisioner = next(u for u in realm["users"] if u["username"] == "service-account-hotline-provisioner")
    assert "manage-users" in provisioner["clientRoles"]["realm-management"]  # provisioning keeps working
    assert not any(c.get("secret", "").endswith("-dev-secret") for c in realm["clients"])
    operator = rendered.get("KeycloakRealmImport", "hotline-realm")
    assert operator["apiVersion"] == "k8s.keycloak.org/v2alpha1"
    assert operator["spec"]["keycloakCRName"] == "keycloak"
    assert operator["spec"]["realm"] == realm


def test_the_demo_realm_as_is_when_asked(render, inline_values):
    values = setting(inline_values, "keycloakRealm.includeDemoUsers", True)
    values = setting(values, "keycloakRealm.keepDevClientSecrets", True)
    values = setting(values, "publicUrl", "https://demo.example.test/")
    values = setting(values, "keycloak.realm", "hebei")
    rendered = render(values)
    realm = realm_configmap(rendered)
    assert realm == expected(
        "https://demo.example.test", demo_users=True, dev_secrets=True, realm_name="hebei"
    )
    assert len(realm["users"]) == len(json.loads(REALM_FILE.read_text())["users"])
    assert 'password "demo"' in rendered.notes
