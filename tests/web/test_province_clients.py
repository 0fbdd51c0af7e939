"""The client registry page of the provincial portal (province_admin): list, issue (the secret
shown once), rotate, revoke; CSRF on every form; read-only for the province supervisor."""

from __future__ import annotations

import re

from keycloak import KeycloakOpenID

from tests.web.conftest import text_of

PAGE = "/province/admin/clients"


def _secret(html: str) -> str:
    return re.search(r'data-testid="issued-secret">([^<]+)<', html).group(1)


def _client_id(html: str) -> str:
    return re.search(r'data-testid="issued-client-id">([^<]+)<', html).group(1)


def _count(app) -> int:
    from sqlalchemy import func, select

    from app.open311.models import ApiClient
    from tenants import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ApiClient))


def test_issue_an_api_key_use_it_and_revoke_it(app, client, web):
    admin = web("province.admin")
    page = text_of(admin.get(PAGE))
    assert 'data-testid="client-form"' in page and f'href="{PAGE}"' in page  # in the navigation
    resp = admin.post(
        PAGE,
        {"name": "城市管家", "tenant": "shijiazhuang", "kind": "api_key", "scopes": ["open311:read"],
         "rate_limit": "100/minute", "role": "data_partner"},  # the role field of the other kind is ignored
        token_from=PAGE,
    )  # fmt: skip
    assert resp.status_code == 201, text_of(resp)[:2000]
    assert resp.headers["Cache-Control"] == "no-store"
    html = text_of(resp)
    key, client_id = _secret(html), _client_id(html)
    assert key.startswith("o311_") and f'data-client="{client_id}"' in html
    assert key not in text_of(admin.get(PAGE))  # shown once
    services = client.get(f"/open311/shijiazhuang/v2/services.json?api_key={key}")
    assert services.status_code == 200
    row = re.search(rf'<tr data-client="{client_id}">(.*?)</tr>', text_of(admin.get(PAGE)), re.S).group(1)
    assert re.search(r'data-testid="usage">1<', row) and "open311:read" in row

    revoked = admin.post(f"{PAGE}/{client_id}/revoke", token_from=PAGE)
    assert revoked.status_code == 302
    row = re.search(rf'<tr data-client="{client_id}">(.*?)</tr>', text_of(admin.get(PAGE)), re.S).group(1)
    assert 'data-testid="revoked"' in row and 'data-testid="revoke"' not in row
    post = client.post(
        "/open311/shijiazhuang/v2/requests.json",
        data={"api_key": key, "service_code": "0105", "address_string": "x", "description": "y"},
    )
    assert post.status_code == 403


def test_issue_rotate_and_revoke_a_service_account(app, client, web, live_server):
    admin = web("province.admin")
    resp = admin.post(
        PAGE,
        {"name": "高校研究组", "tenant": "shijiazhuang", "kind": "service_account", "role": "data_partner",
         "scopes": ["open311:read"], "rate_limit": "100/minute"},  # the scopes of the other kind are ignored
        token_from=PAGE,
    )  # fmt: skip
    assert resp.status_code == 201, text_of(resp)[:2000]
    html = text_of(resp)
    client_id, secret = _client_id(html), _secret(html)
    assert "grant_type=client_credentials" in html

    def token(s: str) -> str:
        oidc = KeycloakOpenID(
            server_url=live_server.idp_url, realm_name="hotline", client_id=client_id, client_secret_key=s
        )
        return oidc.token(grant_type="client_credentials")["access_token"]

    bearer = {"Authorization": f"Bearer {token(secret)}"}
    assert client.get("/api/v1/partner/shijiazhuang/orders", headers=bearer).status_code == 200

    rotated = admin.post(f"{PAGE}/{client_id}/rotate", token_from=PAGE)
    assert rotated.status_code == 200
    new = _secret(text_of(rotated))
    assert new != secret and _client_id(text_of(rotated)) == client_id
    fresh = {"Authorization": f"Bearer {token(new)}"}
    assert client.get("/api/v1/partner/shijiazhuang/orders", headers=fresh).status_code == 200

    assert admin.post(f"{PAGE}/{client_id}/revoke", token_from=PAGE).status_code == 302
    assert client.get("/api/v1/partner/shijiazhuang/orders", headers=fresh).status_code == 401
    again = admin.post(f"{PAGE}/{client_id}/rotate", token_from=PAGE)
    assert again.status_code == 409 and 'data-testid="page-error"' in text_of(again)


def test_bad_input_is_422_and_registers_nothing(app, web):
    admin = web("province.admin")
    before = _count(app)
    for form in (
        {"name": "", "tenant": "shijiazhuang", "kind": "api_key"},
        {"name": "x", "tenant": "shijiazhuang", "kind": "api_key", "rate_limit": "lots"},
        {"name": "x", "tenant": "shijiazhuang", "kind": "service_account", "role": "province_admin"},
        {"name": "x", "tenant": "no such city", "kind": "api_key"},
        {"name": "x", "tenant": "shijiazhuang", "kind": "magic"},
    ):
        resp = admin.post(PAGE, form, token_from=PAGE)
        assert resp.status_code == 422, (form, resp.status_code)
        assert 'data-testid="form-errors"' in text_of(resp)
    missing = admin.post(PAGE, {"name": "x", "tenant": "nowhere", "kind": "api_key"}, token_from=PAGE)
    assert missing.status_code == 404
    assert _count(app) == before


def test_csrf_and_who_may(app, web):
    admin = web("province.admin")
    before = _count(app)
    resp = admin.post(PAGE, {"name": "x", "tenant": "shijiazhuang", "kind": "api_key"})  # no token
    assert resp.status_code == 400 and _count(app) == before
    supervisor = web("province.supervisor")
    page = text_of(supervisor.get(PAGE))
    assert 'data-testid="client-table"' in page and 'data-testid="client-form"' not in page
    assert 'data-testid="revoke"' not in page
    refused = supervisor.post(
        PAGE, {"name": "x", "tenant": "shijiazhuang", "kind": "api_key"}, token_from=PAGE
    )
    assert refused.status_code == 403 and _count(app) == before
    assert web("city_supervisor@shijiazhuang").get(PAGE).status_code == 403
    assert admin.post(f"{PAGE}/nope/revoke", token_from=PAGE).status_code == 404
