"""A live HTTP server for the test app (werkzeug, threaded) on a port picked before the app exists.

The dev IdP's issuer is ``PUBLIC_URL + /idp/realms/hotline``, so the session app is created
with ``public_url`` on this port and python-keycloak talks to it over real HTTP.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, make_server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def idp_url(self) -> str:
        """What python-keycloak gets as ``server_url``."""
        return self.url + "/idp/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def serve(app, public_url: str) -> LiveServer:
    host, _, port = public_url.removeprefix("http://").partition(":")
    server = make_server(host, int(port), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    return LiveServer(public_url, server, thread)
