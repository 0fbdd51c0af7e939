"""A live HTTP server for the test app (werkzeug, threaded) on a port picked before the app exists.

The dev IdP's issuer is ``PUBLIC_URL + /idp/realms/hotline``, so the session app is created
with ``public_url`` on this port and python-keycloak talks to it over real HTTP.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, make_server

# Ports are picked here and bound later (the session app's long after). The kernel's bind(0)
# and every outgoing connection draw from the ephemeral range, so another xdist worker or a
# client socket could take a picked port first; picks come from a slice below that range, one
# slice per worker, from a random start (another suite on the machine may pick the same way).
_SLICE = 1000
_FIRST = 20000


def _ephemeral_low() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _candidates():
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    low = _FIRST + index * _SLICE
    if low + _SLICE > _ephemeral_low():  # no slice left below the range: whatever the kernel gives
        return itertools.repeat(0)
    start = random.randrange(_SLICE)
    return itertools.cycle([low + (start + i) % _SLICE for i in range(_SLICE)])


_ports = None


def free_port() -> int:
    """The next port of this worker's slice that nothing is bound to (the slice is walked in turn)."""
    global _ports
    if _ports is None:
        _ports = _candidates()
    for candidate in itertools.islice(_ports, _SLICE):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port in this worker's slice")


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
