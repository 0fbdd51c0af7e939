"""Server-side web sessions in Redis (Flask-Session): the browser holds only a random id.

The cookie is HttpOnly, SameSite=Lax (the IdP's redirect back is a top-level GET) and
Secure outside development. Redis keeps a session at most ``web_session_max_hours``; the
idle limit is enforced by ``signin`` from the last user action (polling does not count).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_session import Session

COOKIE = "hotline_session"


def init_app(app: Flask, settings) -> None:
    from app.extensions import redis_client

    app.config.update(
        SESSION_TYPE="redis",
        SESSION_REDIS=redis_client.conn,
        SESSION_KEY_PREFIX="hotline:web:session:",
        SESSION_PERMANENT=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.web_session_max_hours),
        SESSION_REFRESH_EACH_REQUEST=False,  # written when it changes, not on every page
        SESSION_ID_LENGTH=32,
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.app_env != "development",
    )
    Session(app)
