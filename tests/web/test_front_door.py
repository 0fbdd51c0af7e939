"""``/`` is never a 404: a landing page for visitors, the user's area once signed in."""

from __future__ import annotations

import pytest

from .conftest import text_of


def test_anonymous_visitor_gets_the_landing_page(client):
    resp = client.get("/")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = text_of(resp)
    assert "12345政务服务便民热线平台" in html  # Chinese by default
    assert 'data-testid="version">版本 0.1.0' in html
    for link in ('href="/api/docs"', 'href="/healthz"', 'href="/readyz"', 'href="/auth/login"'):
        assert link in html
    assert "demo-logins" not in html  # only in development


def test_demo_logins_only_in_development(client, app, monkeypatch):
    monkeypatch.setattr(app.extensions["settings"], "app_env", "development")
    html = text_of(client.get("/"))
    assert 'data-testid="demo-logins"' in html
    assert (
        "dispatcher@shijiazhuang" in html and "handler.zjj@shijiazhuang" in html and "province.admin" in html
    )


@pytest.mark.parametrize(
    ("username", "area"),
    [
        ("agent@shijiazhuang", "/desk/shijiazhuang/orders"),
        ("dispatcher@tangshan", "/desk/tangshan/orders"),
        ("city_supervisor@shijiazhuang", "/desk/shijiazhuang/orders"),
        ("handler.zjj@shijiazhuang", "/dept/shijiazhuang/inbox"),
        ("province.supervisor", "/province/"),
        ("province.admin", "/province/"),
    ],
)
def test_signed_in_users_are_routed_to_their_area(web, username, area):
    user = web(username)
    resp = user.get("/", follow_redirects=True)
    assert resp.status_code == 200
    assert resp.request.path == area.split("?")[0]


def test_province_area_opens_on_the_dashboard(web):
    html = text_of(web("province.supervisor").get("/province/"))
    assert 'data-testid="kpi-table"' in html and 'data-testid="hebei-map"' in html


def test_language_switch_to_english_and_back(web):
    user = web("agent@shijiazhuang")
    resp = user.post(
        "/lang", {"lang": "en", "next": "/desk/shijiazhuang/orders"}, token_from="/desk/shijiazhuang/orders"
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/desk/shijiazhuang/orders"
    assert "HttpOnly" in resp.headers["Set-Cookie"]
    html = text_of(user.get("/desk/shijiazhuang/orders"))
    assert "All orders" in html and 'lang="en"' in html
    user.post("/lang", {"lang": "zh", "next": "/"}, token_from="/desk/shijiazhuang/orders")
    assert "全部工单" in text_of(user.get("/desk/shijiazhuang/orders"))


def test_language_switch_refuses_a_foreign_next(web):
    user = web("agent@shijiazhuang")
    resp = user.post(
        "/lang", {"lang": "en", "next": "//evil.example/x"}, token_from="/desk/shijiazhuang/orders"
    )
    assert resp.headers["Location"] == "/"
