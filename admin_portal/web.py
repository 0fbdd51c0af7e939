"""What every web area shares: sign-in, CSRF, the API's tenant binding, error pages.

An area blueprint (``/desk/<tenant>/...``) signs the user in from the session, checks CSRF
on every POST, requires the area's permission (``web.*`` in app/auth/policy.py) and binds
the tenant in the URL with ``enter_tenant``, exactly as the API does (403 for another
city, 404 for an unknown one). Errors render pages in the same layout.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.auth.http import Unauthenticated
from app.auth.policy import PermissionDenied, allowed
from app.errors import DomainError, Forbidden
from app.tenancy.scope import enter_tenant
from tenants.context import UnknownTenant, unbind_tenant

from .security import csrf, secure_headers
from .signin import current_web_principal, login_redirect

log = logging.getLogger(__name__)
UPLOAD_ENDPOINTS: set[str] = set()  # views that accept attachments beyond MAX_CONTENT_LENGTH


def allow_uploads(endpoint: str) -> None:
    UPLOAD_ENDPOINTS.add(endpoint)


def area_blueprint(name: str, import_name: str, url_prefix: str, permission: str) -> Blueprint:
    blp = Blueprint(name, import_name, url_prefix=url_prefix)
    blp.after_request(secure_headers)
    register_error_pages(blp)

    @blp.url_value_preprocessor
    def _pull_tenant(endpoint, values):
        g.area_tenant = values.pop("tenant", None) if values else None

    @blp.url_defaults
    def _push_tenant(endpoint, values):
        if (
            "tenant" not in values
            and g.get("area_tenant") is not None
            and current_app.url_map.is_endpoint_expecting(endpoint, "tenant")
        ):
            values["tenant"] = g.area_tenant

    @blp.before_request
    def _enter():
        principal = current_web_principal()
        if principal is None:
            return login_redirect()
        if request.method == "POST":
            if request.endpoint in UPLOAD_ENDPOINTS:  # before the form is parsed
                from app.attachments.service import MAX_FILES

                limit = current_app.extensions["settings"].attachment_max_bytes
                request.max_content_length = MAX_FILES * limit + 1024 * 1024
            csrf.protect()
        if not allowed(principal, permission):
            raise Forbidden("this area is not for your role")
        if g.area_tenant is not None:
            enter_tenant(g.area_tenant)  # the API's binding: 403 another city, 404 unknown
        g.area = name
        return None

    @blp.teardown_request
    def _unbind(exc):
        token = g.pop("tenant_token", None)
        if token is not None:
            unbind_tenant(token)

    return blp


TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You may not open this page"),
    404: _l("Not found"),
    405: _l("Not possible here"),
    409: _l("Not possible in the order's current state"),
    412: _l("Someone else changed this order"),
    413: _l("The upload is too large"),
    422: _l("Please check the form"),
    500: _l("Something went wrong on our side"),
    503: _l("A service is unavailable"),
}


def error_page(status: int, message: str | None = None):
    title = str(TITLES.get(status) or _l("Error"))
    body = render_template("error.html", status=status, title=title, message=message)
    if request.headers.get("HX-Request"):
        body = render_template("components/error_fragment.html", status=status, title=title, message=message)
    return body, status


def init_context(app) -> None:
    """What every page's layout needs."""
    from .front import asset, platform_version

    settings = app.extensions["settings"]
    version = platform_version()
    app.jinja_env.globals["asset"] = asset

    @app.context_processor
    def _layout():
        from tenants import current_tenant_or_none

        if request.blueprint not in ("front", "signin", "desk", "dept", "province_portal"):
            return {}
        from flask_babel import get_locale

        from .i18n import resolved

        lang = str(get_locale() or "zh")
        return {
            **resolved(lang),  # label tables as plain strings of this language
            "lang": lang,
            "principal": g.get("web_principal"),
            "city": current_tenant_or_none(),
            "poll_seconds": settings.web_poll_seconds,
            "platform_version": version,
            "may": lambda permission: allowed(g.get("web_principal"), permission),
        }


def register_error_pages(blp: Blueprint) -> None:
    @blp.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return error_page(exc.status, exc.message)

    @blp.errorhandler(PermissionDenied)
    def _denied(exc: PermissionDenied):
        return error_page(403, str(exc))

    @blp.errorhandler(UnknownTenant)
    def _unknown_tenant(exc: UnknownTenant):
        return error_page(404, f"unknown city {exc.slug!r}")

    @blp.errorhandler(Unauthenticated)
    def _unauthenticated(exc: Unauthenticated):
        return login_redirect()

    @blp.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_page(400, "the form has expired or did not come from this site; reload and try again")

    @blp.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return error_page(exc.code or 500, None)

    @blp.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        log.exception("unhandled error on a web page")
        return error_page(500, None)
