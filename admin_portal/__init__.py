"""Server-rendered web areas (Jinja + htmx): the city desk ``/desk/``, the department web
``/dept/`` and the provincial portal ``/province/``, behind one OIDC sign-in.

Pages call the same domain services as the API (intake, actions, queries, presenters,
audit timeline, dispatch suggestion, catalogue) in-process, under the same permission
matrix and tenant binding. The app factory registers everything here (``init_app``).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask, settings) -> None:
    from . import dept, desk, front, i18n, province, security, session, signin, web

    i18n.init_app(app, settings)
    session.init_app(app, settings)
    security.init_app(app, settings)
    signin.init_app(app, settings)
    web.init_context(app)
    app.register_blueprint(front.blp)
    app.register_blueprint(signin.blp)
    app.register_blueprint(desk.blp)
    app.register_blueprint(dept.blp)
    app.register_blueprint(province.blp)
