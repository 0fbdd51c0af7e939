"""A third party's webhook receiver: verifies ``X-Hotline-Signature`` and applies each event once.

- ``POST /hooks`` (any path but the ones below): 401 for a bad signature; ``fail_percent`` of the
  deliveries are refused with ``fail_status`` before anything is applied; ``ack_loss_percent``
  are applied and then answered 500 (the platform sends them again: a duplicate); ``delay``
  seconds before answering. An event id seen before is acknowledged and not applied again.
- ``POST /control`` (JSON, any subset): ``secret``, ``fail_percent``, ``fail_status``,
  ``ack_loss_percent``, ``delay``, ``seed``. ``GET /state``: events applied (with the time each
  first arrived), deliveries, duplicates, refusals, bad signatures.

Started by tests in a thread (``serve``), by ``bench/outbox.py`` as a process of its own
(``python -m integrations.simulators.receiver --port N``), so it never waits for the load's GIL.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import threading
import time

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from integrations import signing


class Receiver:
    def __init__(self, secret: str = "", seed: int = 0) -> None:
        self.lock = threading.Lock()
        self.secret = secret
        self.fail_percent, self.fail_status, self.ack_loss_percent, self.delay = 0.0, 503, 0.0, 0.0
        self.rng = random.Random(seed)
        self.events: dict[str, dict] = {}  # event id -> the first body applied
        self.arrived: dict[str, float] = {}  # event id -> when it was first applied (time.time())
        self.applied: dict[str, int] = {}  # event id -> times applied (must stay 1)
        self.deliveries = self.duplicates = self.refused = self.bad_signatures = 0

    def __call__(self, environ, start_response):
        req = Request(environ)
        return self._route(req)(environ, start_response)

    def _route(self, req: Request) -> Response:
        if req.path == "/control" and req.method == "POST":
            self.control(**(req.get_json(force=True, silent=True) or {}))
            return _json({})
        if req.path == "/state":
            return _json(self.state())
        if req.method == "POST":
            return self._receive(req)
        return _json({"error": "not found"}, 404)

    def control(self, **data) -> None:
        with self.lock:
            for name in ("fail_percent", "ack_loss_percent", "delay"):
                if name in data:
                    setattr(self, name, float(data[name]))
            if "fail_status" in data:
                self.fail_status = int(data["fail_status"])
            if "secret" in data:
                self.secret = str(data["secret"])
            if "seed" in data:
                self.rng = random.Random(int(data["seed"]))

    def state(self) -> dict:
        with self.lock:
            return {
                "events": list(self.events.values()),
                "applied": dict(self.applied),
                "arrived": dict(self.arrived),
                "deliveries": self.deliveries,
                "duplicates": self.duplicates,
                "refused": self.refused,
                "bad_signatures": self.bad_signatures,
            }

    def _receive(self, req: Request) -> Response:
        raw = req.get_data()
        try:
            signing.verify(self.secret, req.headers.get(signing.HEADER), raw)
            event = json.loads(raw)
            event_id = req.headers["X-Hotline-Event-Id"]
        except (signing.SignatureError, ValueError, KeyError):
            with self.lock:
                self.bad_signatures += 1
            return _json({"error": "bad signature"}, 401)
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.deliveries += 1
            if self.rng.random() * 100 < self.fail_percent:
                self.refused += 1
                return _json({"error": "simulated outage"}, self.fail_status)
            if event_id in self.applied:
                self.duplicates += 1
            else:
                self.applied[event_id] = 1
                self.events[event_id] = event
                self.arrived[event_id] = time.time()
            lose_ack = self.rng.random() * 100 < self.ack_loss_percent
        if lose_ack:
            return _json({"error": "simulated lost acknowledgement"}, 500)
        return _json({"status": "ok"})


class KeepAlive(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # like a real receiver: the platform keeps its connection


def _json(data, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status, content_type="application/json")


def serve(secret: str = "", port: int = 0, host: str = "127.0.0.1", **kwargs):
    """Start in a thread; returns (receiver, base url, server): ``server.shutdown()`` stops it."""
    receiver = Receiver(secret, **kwargs)
    server = make_server(host, port, receiver, threaded=True, request_handler=KeepAlive)
    threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
    return receiver, f"http://{host}:{server.server_port}", server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="a webhook receiver (integrations/simulators/receiver.py)")
    parser.add_argument("--port", type=int, default=8062)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, Receiver(), threaded=True, request_handler=KeepAlive)
    print(f"webhook receiver on http://{args.host}:{args.port}/hooks", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
