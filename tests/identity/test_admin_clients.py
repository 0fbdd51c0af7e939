"""The dev IdP's clients admin API, through python-keycloak's KeycloakAdmin over real HTTP: what the
registry's realm adapter calls, and who may call it (manage-clients, as in Keycloak)."""

from __future__ import annotations

import pytest
from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakGetError, KeycloakPostError, KeycloakPutError

from integrations.keycloak.realm import PROVISIONER_CLIENT, client_secret, service_client_rep
from tests.support.identity import keycloak_openid


def _admin(idp_url: str, **credentials) -> KeycloakAdmin:
    return KeycloakAdmin(
        connection=KeycloakOpenIDConnection(server_url=idp_url, realm_name="hotline", **credentials)
    )


@pytest.fixture(scope="module")
def provisioner(idp_url) -> KeycloakAdmin:
    return _admin(idp_url, client_id=PROVISIONER_CLIENT, client_secret_key=client_secret(PROVISIONER_CLIENT))


def test_create_use_rotate_disable_delete(provisioner, idp_url):
    rep = {k: v for k, v in service_client_rep("idtest-client", "id test", ["tangshan"]).items() if k != "id"}
    internal = provisioner.create_client(rep)
    assert provisioner.get_client_id("idtest-client") == internal
    with pytest.raises(KeycloakPostError) as exc:
        provisioner.create_client(rep)
    assert exc.value.response_code == 409
    account = provisioner.get_client_service_account_user(internal)
    assert account["username"] == "service-account-idtest-client"
    provisioner.assign_realm_roles(account["id"], [provisioner.get_realm_role("api_client")])
    secret = provisioner.get_client_secrets(internal)["value"]
    token = keycloak_openid(idp_url, "idtest-client", secret).token(grant_type="client_credentials")
    claims = keycloak_openid(idp_url, "hotline-api", client_secret("hotline-api")).introspect(
        token["access_token"]
    )
    assert claims["active"] and claims["tenant"] == "tangshan" and claims["tenants"] == ["tangshan"]
    assert claims["realm_access"]["roles"] == ["api_client"] and "hotline-api" in claims["aud"]

    new = provisioner.generate_client_secrets(internal)["value"]
    assert new != secret and provisioner.get_client_secrets(internal)["value"] == new
    provisioner.update_client(internal, {"clientId": "idtest-client", "enabled": False})
    assert provisioner.get_client(internal)["enabled"] is False
    with pytest.raises(Exception):  # noqa: B017 (a disabled client gets no token)
        keycloak_openid(idp_url, "idtest-client", new).token(grant_type="client_credentials")
    provisioner.delete_client(internal)
    assert provisioner.get_client_id("idtest-client") is None
    with pytest.raises(KeycloakGetError) as exc:
        provisioner.get_client(internal)
    assert exc.value.response_code == 404


def test_realm_file_clients_are_read_only(provisioner):
    internal = provisioner.get_client_id("api-demo-tangshan")
    assert provisioner.get_client(internal)["clientId"] == "api-demo-tangshan"
    with pytest.raises(KeycloakPutError) as exc:
        provisioner.update_client(internal, {"enabled": False})
    assert exc.value.response_code == 400


@pytest.mark.parametrize(
    "credentials",
    [
        {"client_id": "hotline-web", "username": "province.admin", "password": "demo"},  # users, not clients
        {"client_id": "api-demo-tangshan", "client_secret_key": client_secret("api-demo-tangshan")},
    ],
)
def test_other_accounts_may_not_manage_clients(idp_url, credentials):
    admin = _admin(idp_url, **credentials)
    with pytest.raises(KeycloakPostError) as exc:
        admin.create_client({"clientId": "intruder"})
    assert exc.value.response_code == 403
    with pytest.raises(KeycloakGetError) as exc:
        admin.get_clients()
    assert exc.value.response_code == 403
