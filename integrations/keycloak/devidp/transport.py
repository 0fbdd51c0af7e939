"""A requests transport that hands python-keycloak's HTTP calls to the in-process WSGI app.

Used for provisioning when the dev IdP is mounted in this very app: from the CLI there is no
server listening, and inside a sync gunicorn worker a call to our own port could wait for a
free worker forever. The request still goes through the full HTTP stack of the app (routing,
auth, JSON), only without a socket. Each call runs in a fresh ``contextvars.Context`` so the
nested request cannot touch the caller's unit of work or tenant binding.
"""

from __future__ import annotations

import contextvars
from http import HTTPStatus
from urllib.parse import urlsplit

from requests import PreparedRequest, Response
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from werkzeug.test import EnvironBuilder, run_wsgi_app


class WSGIAdapter(BaseAdapter):
    def __init__(self, wsgi_app):
        super().__init__()
        self.wsgi_app = wsgi_app

    def send(
        self, request: PreparedRequest, stream=False, timeout=None, verify=True, cert=None, proxies=None
    ):
        url = urlsplit(request.url or "")
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in ("content-length", "content-type")
        }
        body = request.body or b""
        builder = EnvironBuilder(
            path=url.path,
            query_string=url.query,
            method=request.method or "GET",
            base_url=f"{url.scheme}://{url.netloc}",
            headers=headers,
            data=body.encode() if isinstance(body, str) else body,
            content_type=request.headers.get("Content-Type"),
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()

        def call():
            app_iter, status, response_headers = run_wsgi_app(self.wsgi_app, environ)
            try:
                return status, response_headers, b"".join(app_iter)
            finally:
                close = getattr(app_iter, "close", None)
                if close is not None:
                    close()

        status, response_headers, content = contextvars.Context().run(call)
        resp = Response()
        resp.status_code = int(status.split(" ", 1)[0])
        resp.reason = status.split(" ", 1)[1] if " " in status else HTTPStatus(resp.status_code).phrase
        resp.headers = CaseInsensitiveDict(response_headers.items())
        resp.encoding = get_encoding_from_headers(resp.headers)
        resp._content = content
        resp.url = request.url
        resp.request = request
        return resp

    def close(self) -> None:
        pass


def route_in_process(connection, prefix: str, wsgi_app) -> None:
    """Send a python-keycloak connection's requests for ``prefix`` to ``wsgi_app``.

    python-keycloak keeps its ``requests.Session`` in ``ConnectionManager._s`` and has no
    public hook for a transport; tests/identity exercise this against the installed version.
    """
    session = getattr(connection, "_s", None)
    if session is None:
        raise RuntimeError("this python-keycloak version has no requests session to route")
    session.mount(prefix, WSGIAdapter(wsgi_app))
