"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded browser).

One browser for the session, a fresh context (cookies) per user. The app is the suite's
session app served over real HTTP (``live_server``); sign-in is the real authorization-code
flow through the dev IdP's login form. Screenshots of the main pages are saved under
``test-artifacts/e2e/``. Without chromium the tests fail in CI (CI=true) and are skipped
elsewhere with a loud reason: install it with ``apt-get install chromium fonts-wqy-microhei``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
POLL_SECONDS = 2  # htmx polling in the browser tests (15 s by default)


def _require_browser() -> None:
    missing = [
        what
        for what, ok in (("chromium", Path(CHROMIUM).exists()), ("fc-list", shutil.which("fc-list")))
        if not ok
    ]
    if not missing:
        return
    reason = (
        f"browser tests need Debian's chromium at {CHROMIUM} and a CJK font "
        "(apt-get install -y chromium fonts-wqy-microhei; .ci/run installs them)"
    )
    if os.environ.get("CI"):
        pytest.fail("MISSING " + ", ".join(missing) + ": " + reason, pytrace=False)
    pytest.skip("!!! SKIPPING BROWSER TESTS: " + reason)


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def site(live_server, two_tenants, app):
    app.extensions["settings"].web_poll_seconds = POLL_SECONDS
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return live_server.url


class Session:
    """One user's browser context: sign in through the IdP's form, act, screenshot, sign out."""

    def __init__(self, browser, site: str, username: str, *, viewport=(1366, 768)):
        self.site, self.username = site, username
        self.context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        # script errors count; a refused request is judged by its status (a poll of a session
        # that just signed out gets its 401 + HX-Redirect, which Chrome also logs)
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "response",
            lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 500 else None,
        )

    def sign_in(self, password: str = "demo"):
        page = self.page
        page.goto(self.site + "/")
        page.get_by_test_id("signin").click()
        page.locator("input[name=username]").fill(self.username)
        page.locator("input[name=password]").fill(password)
        page.locator("button[type=submit]").click()
        page.wait_for_url(lambda url: "/idp/" not in url)
        return self

    def goto(self, path: str):
        self.page.goto(self.site + path)
        return self.page

    def shot(self, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        # caret="initial": hiding the caret sets style="caret-color: ..." on every input for the
        # shot, and an htmx swap settling meanwhile copies that attribute onto the new input,
        # which the CSP (style-src 'self') refuses; a busy machine made the race show.
        self.page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    def sign_out(self):
        self.page.get_by_test_id("logout").click()
        self.page.wait_for_load_state()

    def close(self):
        self.context.close()


@pytest.fixture
def user(browser, site):
    """user("agent@shijiazhuang") -> a signed-in browser session (closed after the test)."""
    opened: list[Session] = []

    def make(username: str, **kw) -> Session:
        s = Session(browser, site, username, **kw).sign_in()
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()
