"""``/api/docs`` works on an isolated network: every asset it references comes from the app itself."""

from __future__ import annotations

import hashlib
import re
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from app.apidocs.api import ASSETS, SWAGGER_UI_VERSION, dist_dir


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), resp.read()


def test_docs_page_and_every_asset_it_references_come_from_the_app(live_server):
    page_url = live_server.url + "/api/docs"
    status, content_type, body = _get(page_url)
    html = body.decode()
    assert status == 200 and content_type.startswith("text/html")
    host = urlsplit(live_server.url).netloc
    absolute = re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", html)
    assert [u for u in absolute if urlsplit(u if "://" in u else "http:" + u).netloc != host] == []
    parser = _References()
    parser.feed(html)
    assert {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"} <= {
        u.rsplit("/", 1)[-1] for u in parser.urls
    }
    for ref in parser.urls:
        url = urljoin(page_url, ref)
        assert urlsplit(url).netloc == host, ref
        status, content_type, data = _get(url)
        name = url.rsplit("/", 1)[-1]
        assert status == 200 and hashlib.sha256(data).hexdigest() == ASSETS[name], name
        assert content_type.split(";")[0] in ("text/css", "text/javascript", "application/javascript"), name
    spec = re.search(r'url: "([^"]+)"', html).group(1)
    status, content_type, _ = _get(urljoin(page_url, spec))
    assert status == 200 and content_type.startswith("application/json")
    assert '"validatorUrl": null' in html  # no badge image from validator.swagger.io


def test_only_the_listed_assets_are_served(client):
    assert client.get("/api/docs/assets/swagger-ui.css").status_code == 200
    for name in ("swagger-ui.js", "index.css", "..%2F__init__.py", "VERSION", "oauth2-redirect.html"):
        assert client.get(f"/api/docs/assets/{name}").status_code == 404, name


def test_the_installed_assets_are_the_recorded_version_and_checksums():
    """A changed pin or a tampered file fails here: update ASSETS and SWAGGER_UI_VERSION together."""
    assert (dist_dir() / "VERSION").read_text().strip() == f"v{SWAGGER_UI_VERSION}"
    assert "Apache License, Version 2.0" in (dist_dir() / "LICENSE").read_text()
    for name, digest in ASSETS.items():
        if digest is not None:
            assert hashlib.sha256((dist_dir() / name).read_bytes()).hexdigest() == digest, name
