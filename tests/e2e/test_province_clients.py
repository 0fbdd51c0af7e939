"""The client registry page in the browser (issue 13): the province admin issues a data partner's
service account, sees its secret once, the partner gets a token with it (client credentials) and
reads desensitized orders, then the admin rotates and revokes it from the page."""

from __future__ import annotations

import pytest
import requests
from keycloak import KeycloakOpenID
from playwright.sync_api import expect

pytestmark = pytest.mark.slow


def _token(site: str, client_id: str, secret: str) -> str:
    oidc = KeycloakOpenID(
        server_url=site + "/idp/", realm_name="hotline", client_id=client_id, client_secret_key=secret
    )
    return oidc.token(grant_type="client_credentials")["access_token"]


def _orders(site: str, token: str) -> requests.Response:
    return requests.get(
        site + "/api/v1/partner/shijiazhuang/orders", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def test_province_admin_issues_rotates_and_revokes_a_partner(user, site):
    admin = user("province.admin", viewport=(1440, 1000))
    page = admin.goto("/province/")
    page.get_by_role("link", name="第三方接入").click()
    page.wait_for_url("**/province/admin/clients")
    form = page.get_by_test_id("client-form")
    form.locator("input[name=name]").fill("河北大学城市治理研究组")
    form.locator("select[name=tenant]").select_option("shijiazhuang")
    form.locator("select[name=kind]").select_option("service_account")
    form.locator("select[name=role]").select_option("data_partner")
    form.locator("input[name=rate_limit]").fill("60/minute")
    form.locator("button[type=submit]").click()

    issued = page.get_by_test_id("issued")
    expect(issued).to_contain_text("仅显示这一次")
    client_id = page.get_by_test_id("issued-client-id").inner_text()
    secret = page.get_by_test_id("issued-secret").inner_text()
    row = page.locator(f'tr[data-client="{client_id}"]')
    expect(row).to_contain_text("data_partner")
    expect(row).to_contain_text("60/minute")
    expect(row).to_contain_text("服务账号")
    admin.shot("province-clients-issued")

    token = _token(site, client_id, secret)
    listed = _orders(site, token)
    assert listed.status_code == 200 and "caller" not in listed.text

    page.goto(site + "/province/admin/clients")
    expect(page.get_by_test_id("issued")).to_have_count(0)  # the secret is gone for good
    assert secret not in page.content()

    page.locator(f'tr[data-client="{client_id}"]').get_by_test_id("rotate").click()
    new_secret = page.get_by_test_id("issued-secret").inner_text()
    assert new_secret != secret
    with pytest.raises(Exception):  # noqa: B017 (python-keycloak's error for a refused secret)
        _token(site, client_id, secret)
    fresh = _token(site, client_id, new_secret)

    page.goto(site + "/province/admin/clients")
    page.locator(f'tr[data-client="{client_id}"]').get_by_test_id("revoke").click()
    page.wait_for_url("**/province/admin/clients")
    row = page.locator(f'tr[data-client="{client_id}"]')
    expect(row.get_by_test_id("revoked")).to_be_visible()
    expect(row.get_by_test_id("revoke")).to_have_count(0)
    admin.shot("province-clients-revoked")
    assert _orders(site, fresh).status_code == 401
    assert not admin.errors, admin.errors
