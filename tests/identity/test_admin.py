"""KeycloakAdmin against the dev IdP: who may call it, groups and users, provisioning and dropping."""

from __future__ import annotations

import pytest
from keycloak import KeycloakAdmin, KeycloakAuthenticationError, KeycloakGetError, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakPostError

from integrations.keycloak import provisioning
from integrations.keycloak.realm import CITY_ROLES, DEMO_DEPARTMENTS, PROVISIONER_CLIENT, client_secret


def _admin(idp_url: str, **credentials) -> KeycloakAdmin:
    connection = KeycloakOpenIDConnection(server_url=idp_url, realm_name="hotline", **credentials)
    return KeycloakAdmin(connection=connection)


@pytest.fixture(scope="module")
def provisioner(idp_url) -> KeycloakAdmin:
    """The provisioning service account, over real HTTP (client credentials)."""
    return _admin(idp_url, client_id=PROVISIONER_CLIENT, client_secret_key=client_secret(PROVISIONER_CLIENT))


def test_province_admin_may_use_the_admin_api(idp_url):
    admin = _admin(idp_url, client_id="hotline-web", username="province.admin", password="demo")
    assert admin.get_group_by_path("/tangshan")["attributes"]["tenant"] == ["tangshan"]


@pytest.mark.parametrize(
    "credentials",
    [
        {"client_id": "hotline-web", "username": "province.supervisor", "password": "demo"},
        {"client_id": "hotline-web", "username": "city_supervisor@tangshan", "password": "demo"},
        {"client_id": "api-demo-tangshan", "client_secret_key": client_secret("api-demo-tangshan")},
    ],
)
def test_other_accounts_may_not(idp_url, credentials):
    admin = _admin(idp_url, **credentials)
    with pytest.raises(KeycloakGetError) as exc:
        admin.get_groups()
    assert exc.value.response_code == 403
    with pytest.raises(KeycloakPostError) as exc:
        admin.create_group({"name": "intruders"})
    assert exc.value.response_code == 403


def test_no_token_or_a_forged_one_is_401(idp_url, app):
    from tests.support.identity import mint

    admin = _admin(idp_url, token={"access_token": "x.y.z", "expires_in": 300})
    with pytest.raises(KeycloakAuthenticationError):
        admin.get_users()
    forged = mint(app, "province.admin")  # right key, but no realm-management roles and no such user
    admin = _admin(idp_url, token={"access_token": forged, "expires_in": 300})
    with pytest.raises((KeycloakAuthenticationError, KeycloakGetError)):
        admin.get_users()


def test_groups_and_users_roundtrip(provisioner):
    group_id = provisioner.create_group({"name": "idtest", "attributes": {"tenant": ["idtest"]}})
    assert provisioner.create_group({"name": "idtest"}, skip_exists=True) is None
    assert provisioner.get_group(group_id)["attributes"] == {"tenant": ["idtest"]}
    assert provisioner.get_group_by_path("/idtest")["id"] == group_id
    assert "idtest" in {g["name"] for g in provisioner.get_groups()}

    user_id = provisioner.create_user(
        {
            "username": "agent@idtest",
            "enabled": True,
            "attributes": {"tenant": ["idtest"]},
            "credentials": [{"type": "password", "value": "s3cret", "temporary": False}],
            "groups": ["/idtest"],
        }
    )
    assert provisioner.create_user({"username": "agent@idtest"}, exist_ok=True) == user_id
    with pytest.raises(KeycloakPostError) as exc:
        provisioner.create_user({"username": "AGENT@idtest"})
    assert exc.value.response_code == 409
    provisioner.assign_realm_roles(user_id, [provisioner.get_realm_role("agent")])
    assert [r["name"] for r in provisioner.get_realm_roles_of_user(user_id)] == ["agent"]
    assert [u["username"] for u in provisioner.get_group_members(group_id)] == ["agent@idtest"]
    assert provisioner.get_users({"q": "tenant:idtest"})[0]["id"] == user_id
    assert [g["name"] for g in provisioner.get_user_groups(user_id)] == ["idtest"]
    provisioner.update_user(user_id, {"firstName": "话务员", "enabled": False})
    user = provisioner.get_user(user_id)
    assert (
        user["firstName"] == "话务员"
        and user["enabled"] is False
        and user["attributes"]["tenant"] == ["idtest"]
    )
    provisioner.group_user_remove(user_id, group_id)
    assert provisioner.get_group_members(group_id) == []
    provisioner.delete_user(user_id)
    provisioner.delete_group(group_id)
    with pytest.raises(KeycloakGetError):
        provisioner.get_group_by_path("/idtest")


def test_users_created_by_the_admin_api_can_sign_in(provisioner, web):
    user_id = provisioner.create_user(
        {"username": "dispatcher@idtest2", "enabled": True, "attributes": {"tenant": ["idtest2"]}}
    )
    provisioner.set_user_password(user_id, "pw-1", temporary=False)
    provisioner.assign_realm_roles(user_id, [provisioner.get_realm_role("dispatcher")])
    claims = web.decode_token(web.token("dispatcher@idtest2", "pw-1")["access_token"])
    assert claims["tenant"] == "idtest2" and claims["realm_access"]["roles"] == ["dispatcher"]
    body = web.token("dispatcher@idtest2", "pw-1")
    provisioner.update_user(user_id, {"enabled": False})  # disabling ends the user's sessions
    with pytest.raises(KeycloakPostError, match="Account disabled"):
        web.token("dispatcher@idtest2", "pw-1")
    with pytest.raises(KeycloakAuthenticationError):
        web.userinfo(body["access_token"])
    with pytest.raises(KeycloakPostError, match="Session not active"):
        web.refresh_token(body["refresh_token"])
    provisioner.delete_user(user_id)


def test_provisioning_step_created_group_and_demo_users(two_tenants, provisioner, web):
    group = provisioner.get_group_by_path("/shijiazhuang")
    members = {u["username"] for u in provisioner.get_group_members(group["id"])}
    expected = {f"{r}@shijiazhuang" for r in ("agent", "dispatcher", "city_supervisor")}
    expected |= {f"handler.{d}@shijiazhuang" for d in DEMO_DEPARTMENTS}
    assert expected <= members


def test_provision_new_city_then_drop_disables_its_users(app_ctx, web, provisioner):
    """A city that is not in the realm file gets its group and demo users at provisioning."""
    from tenants import provision

    provision.create_tenant("xiongan", name="雄安新区", region_code="133100", order_prefix="XA")
    try:
        group = provisioner.get_group_by_path("/xiongan")
        assert group["attributes"]["tenant"] == ["xiongan"]
        claims = web.decode_token(web.token("handler.cgj@xiongan", "demo")["access_token"])
        assert (claims["tenant"], claims["department"], claims["realm_access"]["roles"]) == (
            "xiongan",
            "cgj",
            ["handler"],
        )
        # idempotent: running the step again changes nothing and fails on nothing
        from tenants.context import lookup

        again = provisioning.provision_tenant(lookup("xiongan", fresh=True))
        assert (
            again["group"] == group["id"]
            and len(again["users"]) == len(CITY_ROLES) + len(DEMO_DEPARTMENTS) + 1
        )  # and kb_editor.zjj
    finally:
        provision.drop_tenant("xiongan", yes=True)
    users = provisioner.get_users({"q": "tenant:xiongan"})
    assert (
        len(users) == len(CITY_ROLES) + len(DEMO_DEPARTMENTS) + 1
    )  # and kb_editor.zjj and not any(u["enabled"] for u in users)
    with pytest.raises(KeycloakPostError) as exc:
        web.token("agent@xiongan", "demo")
    assert b"Account disabled" in exc.value.response_body


@pytest.mark.slow
def test_cli_provisioning_reaches_the_in_process_idp(services, two_tenants, provisioner):
    """``flask tenants create`` has no HTTP server: KeycloakAdmin goes through the WSGI transport."""
    from tests.support.workers import run_flask

    created = run_flask(
        services, "tenants", "create", "dingzhou", "--name", "定州市", "--region-code", "139001"
    )
    assert created.returncode == 0, created.stderr
    group = provisioner.get_group_by_path("/dingzhou")
    members = provisioner.get_group_members(group["id"])
    assert (
        len(members) == len(CITY_ROLES) + len(DEMO_DEPARTMENTS) + 1
    )  # and kb_editor.zjj and all(u["enabled"] for u in members)
    dropped = run_flask(services, "tenants", "drop", "dingzhou", "--yes")
    assert dropped.returncode == 0, dropped.stderr
    assert not any(u["enabled"] for u in provisioner.get_group_members(group["id"]))
