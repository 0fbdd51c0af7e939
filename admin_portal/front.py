"""The front door ``/``: the landing and sign-in page, or the signed-in user's area.

Never a 404: anonymous visitors learn what this is (name, version, API docs, health
endpoints and, in development only, the demo logins); signed-in users go to their area.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for

from .i18n import LANG_COOKIE, LANGUAGES
from .security import csrf, secure_headers
from .signin import current_web_principal, home_for, safe_next
from .web import error_page, register_error_pages

blp = Blueprint(
    "front",
    __name__,
    static_folder="static",
    static_url_path="/assets",
    template_folder="templates",
)
blp.after_request(secure_headers)
register_error_pages(blp)
_digests: dict[str, str] = {}


def asset(filename: str) -> str:
    """The URL of a static file with its content digest, so browsers may cache it for a day."""
    if filename not in _digests:
        _digests[filename] = hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:12]
    return url_for("front.static", filename=filename, v=_digests[filename])


def _max_age(filename: str) -> int | None:
    return 86400 if request.args.get("v") else None


blp.get_send_file_max_age = _max_age  # type: ignore[method-assign]

STATIC = Path(__file__).resolve().parent / "static"
DEMO_DEPARTMENTS = ("zjj", "cgj", "sthjj", "scjgj", "rsj")


def platform_version() -> str:
    try:
        return version("hotline12345")
    except PackageNotFoundError:
        return "dev"


def front_context() -> dict[str, Any]:
    settings = current_app.extensions["settings"]
    demo = None
    if settings.app_env == "development":
        demo = {
            "password": "demo",
            "province": ["province.admin", "province.supervisor", "province.kb_editor"],
            "city": [
                "agent@shijiazhuang",
                "dispatcher@shijiazhuang",
                "city_supervisor@shijiazhuang",
                "kb_editor@shijiazhuang",
            ],
            "departments": [f"handler.{d}@shijiazhuang" for d in DEMO_DEPARTMENTS],
        }
    return {"version": platform_version(), "demo": demo, "app_env": settings.app_env}


@blp.get("/")
def index():
    principal = current_web_principal()
    if principal is not None:
        home = home_for(principal)
        if home is None:
            return error_page(403, "your account has no web area (service accounts use the API)")
        return redirect(home)
    return render_template("front.html", signin_error=None, **front_context())


@blp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on pages that name none (the IdP's login form)."""
    return redirect(url_for("front.static", filename="img/favicon.svg"), code=301)


@blp.post("/lang")
def switch_language():
    csrf.protect()
    lang = request.form.get("lang", "")
    resp = make_response(redirect(safe_next(request.form.get("next"))))
    if lang in LANGUAGES:
        settings = current_app.extensions["settings"]
        resp.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=settings.app_env != "development",
        )
    return resp
