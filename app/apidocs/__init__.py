"""The API docs page served offline: Swagger UI assets from the app itself (docs/architecture.md §3).

Government networks (政务外网) are isolated, so ``/api/docs`` loads nothing from a CDN. The
assets are the swagger-ui-dist files shipped by the pinned ``flask-swagger-ui`` wheel (its
version is Swagger UI's; licence Apache-2.0, in the wheel's ``dist/LICENSE``); only the files
listed in ``api.ASSETS`` are served, and a test checks them against the sha256 recorded there.
"""

from .api import init_app

__all__ = ["init_app"]
