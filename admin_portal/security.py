"""CSRF on every form and the security headers of every page.

CSRF (Flask-WTF) is checked by the web areas themselves (``csrf.protect()`` on their POSTs):
the API authenticates with bearer tokens, not cookies, so it needs none. The CSP allows no
inline script or handler: behaviour comes from static files and htmx attributes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
_headers: dict[str, str] = {}


def init_app(app: Flask, settings) -> None:
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # bound to the server-side session, which expires on its own
        WTF_CSRF_SSL_STRICT=True,
    )
    csrf.init_app(app)
    idp = urlsplit(settings.keycloak_url or settings.public_url)
    idp_origin = f"{idp.scheme}://{idp.netloc}"
    policy = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",  # Bootstrap's form controls draw with data: SVGs
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            f"form-action 'self' {idp_origin}",  # sign-out redirects to the IdP
        ]
    )
    _headers.clear()
    _headers.update(
        {
            "Content-Security-Policy": policy,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        }
    )
    if settings.public_url.startswith("https://"):
        _headers["Strict-Transport-Security"] = "max-age=31536000"


def secure_headers(resp: Response) -> Response:
    """After-request hook of every web blueprint; pages carry personal data, so no caching."""
    for name, value in _headers.items():
        resp.headers.setdefault(name, value)
    if resp.mimetype == "text/html":
        resp.headers["Cache-Control"] = "no-store"
    return resp
