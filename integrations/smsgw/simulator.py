"""An SMS gateway simulator speaking the send API over HTTP; it can be told to fail.

``POST /v1/send`` (JSON ``to, text, client_ref``; a repeated ``client_ref`` is accepted once),
``GET /v1/messages`` (what was sent), ``POST /control`` (``{"fail_next": n, "status": 503}``).
"""

from __future__ import annotations

import json
import threading

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class Gateway:
    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.fail_next, self.fail_status = 0, 503
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        req = Request(environ)
        with self._lock:
            resp = self._handle(req)
        return resp(environ, start_response)

    def _handle(self, req: Request) -> Response:
        if req.path == "/control" and req.method == "POST":
            data = req.get_json(silent=True) or {}
            self.fail_next, self.fail_status = int(data.get("fail_next", 0)), int(data.get("status", 503))
            return Response("{}", content_type="application/json")
        if req.path == "/v1/messages":
            return Response(json.dumps(self.sent, ensure_ascii=False), content_type="application/json")
        if req.path == "/v1/send" and req.method == "POST":
            if self.fail_next > 0:
                self.fail_next -= 1
                return Response('{"error": "simulated failure"}', status=self.fail_status)
            data = req.get_json(silent=True) or {}
            if not data.get("to") or not data.get("text"):
                return Response('{"error": "to and text are required"}', status=400)
            if all(m["client_ref"] != data.get("client_ref") for m in self.sent):
                self.sent.append({k: data.get(k) for k in ("to", "text", "client_ref")})
            return Response('{"status": "queued"}', content_type="application/json")
        return Response("{}", status=404)


def serve(port: int = 0):
    """Start in a thread; returns (gateway, base url, server) — call ``server.shutdown()`` to stop."""
    gw = Gateway()
    server = make_server("127.0.0.1", port, gw, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return gw, f"http://127.0.0.1:{server.server_port}", server
