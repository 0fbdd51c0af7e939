"""Web areas over HTTP (Flask's test client): real OIDC sign-in against the dev IdP."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest


class WebUser:
    """A browser-like client signed in through the whole authorization-code + PKCE flow."""

    def __init__(self, app, username: str, password: str = "demo"):
        self.client = app.test_client()
        self.username = username
        self.landing = sign_in(self.client, username, password)

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def csrf(self, path: str) -> str:
        """The CSRF token of the form on ``path`` (every page carries it)."""
        html = self.client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def post(self, path: str, data=None, *, token_from: str | None = None, **kw):
        data = dict(data or {})
        if token_from is not None:
            data["csrf_token"] = self.csrf(token_from)
        return self.client.post(path, data=data, **kw)


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def sign_in(client, username: str, password: str = "demo", next_url: str = "/") -> str:
    """Follow /auth/login -> the IdP's login form -> /auth/callback; returns where it lands."""
    resp = client.get("/auth/login", query_string={"next": next_url})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    authorize = urlsplit(resp.headers["Location"])
    assert authorize.path.endswith("/protocol/openid-connect/auth")
    params = dict(parse_qsl(authorize.query))
    assert params["code_challenge_method"] == "S256" and params["code_challenge"]
    assert client.get(local(resp.headers["Location"])).status_code == 200  # the login form
    resp = client.post(authorize.path, data={**params, "username": username, "password": password})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    resp = client.get(local(resp.headers["Location"]))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return local(resp.headers["Location"])


@pytest.fixture
def web(app, two_tenants):
    """web("agent@shijiazhuang") -> a signed-in WebUser."""
    return lambda username, password="demo": WebUser(app, username, password)


@pytest.fixture
def orders_api(client, auth_headers, two_tenants):
    """The orders API as the demo users (minted tokens): sets orders up for the pages."""
    from tests.orders.conftest import OrdersApi

    return OrdersApi(client, auth_headers)


def text_of(resp) -> str:
    return resp.get_data(as_text=True)
