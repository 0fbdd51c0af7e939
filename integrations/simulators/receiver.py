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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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

    def handle(self, method: str, path: str, headers, raw: bytes) -> tuple[int, dict]:
        if path == "/control" and method == "POST":
            self.control(**(json.loads(raw or b"{}") or {}))
            return 200, {}
        if path == "/state":
            return 200, self.state()
        if method == "POST":
            return self._receive(headers, raw)
        return 404, {"error": "not found"}

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

    def _receive(self, headers, raw: bytes) -> tuple[int, dict]:
        try:
            signing.verify(self.secret, headers.get(signing.HEADER), raw)
            event = json.loads(raw)
            event_id = headers["X-Hotline-Event-Id"]
        except (signing.SignatureError, ValueError, KeyError):
            with self.lock:
                self.bad_signatures += 1
            return 401, {"error": "bad signature"}
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.deliveries += 1
            if self.rng.random() * 100 < self.fail_percent:
                self.refused += 1
                return self.fail_status, {"error": "simulated outage"}
            if event_id in self.applied:
                self.duplicates += 1
            else:
                self.applied[event_id] = 1
                self.events[event_id] = event
                self.arrived[event_id] = time.time()
            lose_ack = self.rng.random() * 100 < self.ack_loss_percent
        if lose_ack:  # applied, but the platform does not learn it: it will send it again
            return 500, {"error": "simulated lost acknowledgement"}
        return 200, {"status": "ok"}


class _Handler(BaseHTTPRequestHandler):
    """Plain http.server with keep-alive (HTTP/1.1, Content-Length on every answer)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall between them

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, body = self.server.receiver.handle(method, self.path.split("?", 1)[0], self.headers, raw)
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def log_message(self, format, *args) -> None:
        pass


def _server(host: str, port: int, receiver: Receiver) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    server.receiver = receiver  # type: ignore[attr-defined]
    return server


def serve(secret: str = "", port: int = 0, host: str = "127.0.0.1", **kwargs):
    """Start in a thread; returns (receiver, base url, server): ``server.shutdown()`` stops it."""
    receiver = Receiver(secret, **kwargs)
    server = _server(host, port, receiver)
    threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
    return receiver, f"http://{host}:{server.server_port}", server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="a webhook receiver (integrations/simulators/receiver.py)")
    parser.add_argument("--port", type=int, default=8062)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    server = _server(args.host, args.port, Receiver())
    print(f"webhook receiver on http://{args.host}:{args.port}/hooks", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
