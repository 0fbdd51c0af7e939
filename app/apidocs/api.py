"""``/api/docs/assets/<file>``: the Swagger UI files flask-smorest's ``/api/docs`` page loads."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, send_from_directory

SWAGGER_UI_VERSION = "5.34.0"
# sha256 of each served file as shipped in flask-swagger-ui==5.34.0: byte-identical to the npm
# package swagger-ui-dist@5.34.0 (checked with `npm pack swagger-ui-dist@5.34.0`; Apache-2.0).
ASSETS = {
    "swagger-ui-bundle.js": "3f6abf70480db7e07914df4c98a77385f22ea585eaf457a3e6415ba0eae2d167",
    "swagger-ui-standalone-preset.js": "5243d492e14505e0cab87ac8b0195d0e615943e651743b2b698450a46eb470be",
    "swagger-ui.css": "c3cfe8248c4b0b89673600fb829924eafbac6de4bc4b2b06f5f5243483074d0a",
    "favicon-32x32.png": "3ed612f41e050ca5e7000cad6f1cbe7e7da39f65fca99c02e99e6591056e5837",
    "favicon-16x16.png": "af24ad604dd7b3bcda8f975ab973075f4a2f70a4087944a12f8ef8b63a3e07c2",
    "LICENSE": None,  # Apache-2.0 text, served as-is
}


def dist_dir() -> Path:
    import flask_swagger_ui

    return Path(flask_swagger_ui.__file__).parent / "dist"


def asset(filename: str):
    """One Swagger UI file, cached by browsers for a day (the pin changes its content, not its name)."""
    if filename not in ASSETS:
        abort(404)
    return send_from_directory(dist_dir(), filename, max_age=86400)


def init_app(app: Flask) -> None:
    """Serve the assets where ``OPENAPI_SWAGGER_UI_URL`` (app/config.py) tells the page to look."""
    blp = Blueprint("apidocs", __name__)
    blp.add_url_rule(app.config["OPENAPI_SWAGGER_UI_URL"] + "<string:filename>", view_func=asset)
    app.register_blueprint(blp)
