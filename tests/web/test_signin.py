"""OIDC sign-in (authorization code + PKCE), server-side sessions, refresh, expiry, sign-out."""

from __future__ import annotations

import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlsplit

from .conftest import local, text_of


def _session_cookie(resp) -> SimpleCookie:
    cookies = [v for k, v in resp.headers.items() if k == "Set-Cookie" and v.startswith("hotline_session=")]
    assert cookies, resp.headers
    jar = SimpleCookie()
    jar.load(cookies[-1])
    return jar


def test_login_starts_a_pkce_code_flow_and_keeps_no_token_in_the_browser(app, two_tenants):
    client = app.test_client()
    resp = client.get("/auth/login")
    target = urlsplit(resp.headers["Location"])
    params = dict(parse_qsl(target.query))
    assert target.path == "/idp/realms/hotline/protocol/openid-connect/auth"
    assert params["client_id"] == "hotline-web" and params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert params["redirect_uri"].endswith("/auth/callback") and params["state"] and params["nonce"]
    cookie = _session_cookie(resp)["hotline_session"]
    assert len(cookie.value) >= 40  # a random session id only
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["secure"]  # APP_ENV=test: Secure outside development


def test_session_cookie_is_not_secure_in_development_only(app):
    from admin_portal.session import init_app

    class Dev:
        app_env = "development"
        web_session_max_hours = 10

    saved = dict(app.config)
    try:
        init_app(app, Dev())
        assert app.config["SESSION_COOKIE_SECURE"] is False
        Dev.app_env = "production"
        init_app(app, Dev())
        assert app.config["SESSION_COOKIE_SECURE"] is True
    finally:
        app.config.clear()
        app.config.update(saved)
        from flask_session import Session

        Session(app)


def test_callback_with_an_unknown_state_signs_nobody_in(client, two_tenants):
    resp = client.get("/auth/callback?code=abc&state=forged")
    assert resp.status_code == 400
    assert "登录失败" in text_of(resp)
    assert client.get("/desk/").status_code == 302  # still anonymous: back to sign-in


def test_a_code_cannot_be_replayed(app, two_tenants):
    from .conftest import sign_in

    client = app.test_client()
    resp = client.get("/auth/login")
    authorize = urlsplit(resp.headers["Location"])
    params = dict(parse_qsl(authorize.query))
    resp = client.post(authorize.path, data={**params, "username": "agent@shijiazhuang", "password": "demo"})
    callback = local(resp.headers["Location"])
    assert client.get(callback).status_code == 302
    other = app.test_client()
    sign_in(other, "dispatcher@shijiazhuang")
    assert other.get(callback).status_code == 400  # the state is not this session's, the code is spent


def test_wrong_password_stays_on_the_idp_form(app, two_tenants):
    client = app.test_client()
    authorize = urlsplit(client.get("/auth/login").headers["Location"])
    resp = client.post(
        authorize.path,
        data={**dict(parse_qsl(authorize.query)), "username": "agent@shijiazhuang", "password": "x"},
    )
    assert resp.status_code == 401


def test_sign_in_goes_back_to_the_page_asked_for(app, two_tenants):
    from .conftest import sign_in

    client = app.test_client()
    resp = client.get("/desk/shijiazhuang/intake")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/auth/login?next=")
    assert (
        sign_in(client, "agent@shijiazhuang", next_url="/desk/shijiazhuang/intake")
        == "/desk/shijiazhuang/intake"
    )
    assert sign_in(app.test_client(), "agent@shijiazhuang", next_url="//evil.example/") == "/desk/"


def test_access_token_is_refreshed_before_it_expires(web):
    user = web("agent@shijiazhuang")
    with user.client.session_transaction() as s:
        before = s["auth"]["access_token"]
        s["auth"] = {**s["auth"], "access_exp": time.time() + 5}  # within the refresh margin
    assert user.get("/desk/shijiazhuang/orders").status_code == 200
    with user.client.session_transaction() as s:
        assert s["auth"]["access_token"] != before
        assert s["auth"]["access_exp"] > time.time() + 60


def test_idle_session_ends(web):
    user = web("agent@shijiazhuang")
    with user.client.session_transaction() as s:
        s["auth"] = {**s["auth"], "last_active": time.time() - 31 * 60}
    resp = user.get("/desk/shijiazhuang/orders")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/auth/login")


def test_session_ends_after_its_maximum_age_even_when_active(web):
    user = web("agent@shijiazhuang")
    with user.client.session_transaction() as s:
        s["auth"] = {**s["auth"], "login_at": time.time() - 11 * 3600}
    assert user.get("/desk/shijiazhuang/orders").status_code == 302


def test_polling_does_not_keep_an_idle_session_alive(web):
    user = web("agent@shijiazhuang")
    old = time.time() - 10 * 60
    with user.client.session_transaction() as s:
        s["auth"] = {**s["auth"], "last_active": old}
    assert (
        user.get("/desk/shijiazhuang/alerts", headers={"X-Poll": "1", "HX-Request": "true"}).status_code
        == 200
    )
    with user.client.session_transaction() as s:
        assert s["auth"]["last_active"] == old
    user.get("/desk/shijiazhuang/orders")
    with user.client.session_transaction() as s:
        assert s["auth"]["last_active"] > old


def test_htmx_request_of_an_ended_session_gets_a_full_page_redirect(app, two_tenants):
    resp = app.test_client().get("/desk/shijiazhuang/alerts", headers={"HX-Request": "true"})
    assert resp.status_code == 401 and resp.headers["HX-Redirect"].startswith("/auth/login")


def test_sign_out_ends_the_idp_session_and_this_one(web, app):
    user = web("dispatcher@shijiazhuang")
    with user.client.session_transaction() as s:
        refresh_token = s["auth"]["refresh_token"]
    resp = user.post("/auth/logout", token_from="/desk/shijiazhuang/orders")
    assert resp.status_code == 302
    end_session = urlsplit(resp.headers["Location"])
    assert end_session.path == "/idp/realms/hotline/protocol/openid-connect/logout"
    params = dict(parse_qsl(end_session.query))
    assert params["id_token_hint"] and params["post_logout_redirect_uri"].endswith("/")
    assert "hotline_session=;" in resp.headers["Set-Cookie"]  # the cookie is dropped
    assert user.get("/desk/shijiazhuang/orders").status_code == 302  # signed out here
    # ... and at the IdP: its session no longer refreshes
    signin = app.extensions["web_signin"]
    with app.test_request_context():
        from keycloak.exceptions import KeycloakPostError

        try:
            signin.client().refresh_token(refresh_token)
            raise AssertionError("the IdP session survived sign-out")
        except KeycloakPostError as exc:
            assert exc.response_code == 400
    # the browser leg: the IdP's end-session page sends the user back to the front door
    back = user.get(local(resp.headers["Location"]))
    assert back.status_code == 302 and urlsplit(back.headers["Location"]).path == "/"


def test_failed_refresh_ends_the_web_session(web, app):
    user = web("agent@shijiazhuang")
    with user.client.session_transaction() as s:
        refresh_token = s["auth"]["refresh_token"]
        s["auth"] = {**s["auth"], "access_exp": 0}
    with app.test_request_context():
        app.extensions["web_signin"].client().logout(refresh_token)  # e.g. an administrator ended it
    assert user.get("/desk/shijiazhuang/orders").status_code == 302


def test_service_accounts_have_no_web_area(web, app, two_tenants):
    # a user without any web role (an api_client has no password login): emulate with a principal
    from admin_portal.signin import home_for
    from app.auth.principal import Principal

    with app.test_request_context():
        nobody = Principal(
            subject="s", username="api", roles=frozenset({"api_client"}), tenant="shijiazhuang"
        )
        assert home_for(nobody) is None
