"""A utility company's system (water, power ...) speaking the platform's signed message API.

- ``POST /messages``: the platform's dispatches (``order.dispatched``, ``order.return_rejected``,
  ``order.reply_rejected`` ...), signed with the endpoint secret; a repeated ``message_id`` is
  taken once. For each new one it answers in the background, signed, to the message's
  ``reply_to``: sign-for then reply (mode ``reply``), a return (``return``), a sign-for only
  (``accept``) or nothing (``none``). An answer refused with 409 (its turn has not come, e.g. a
  reordered reply before the sign-for) or failing transiently is sent again with back-off.
- ``POST /control`` (JSON, any subset): ``fail_percent`` and ``fail_status`` (refuse that share
  of incoming deliveries before taking them), ``ack_loss_percent`` (take the delivery, then
  answer 500: the platform sends it again), ``delay`` (seconds before answering), ``duplicate``
  (send every answer twice), ``reorder`` (send a plan's answers last first), ``mode``,
  ``outcome``, ``seed``. ``GET /state``: what was received and answered. ``POST /reset``.

Run alone: ``python -m integrations.simulators.utility --port 8061`` with the shared secret in
``UTILITY_SIMULATOR_SECRET`` (``make run`` starts it for the demo city's water and power company).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
import uuid

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from integrations import signing

PLANS = {
    ("order.dispatched", "lead", "reply"): ["accept", "reply"],
    ("order.dispatched", "lead", "return"): ["return"],
    ("order.dispatched", "lead", "accept"): ["accept"],
    ("order.dispatched", "assist", "reply"): ["accept", "assist-reply"],
    ("order.dispatched", "assist", "return"): ["accept", "assist-reply"],
    ("order.dispatched", "assist", "accept"): ["accept"],
    ("order.return_rejected", "lead", "reply"): ["accept", "reply"],
    ("order.return_rejected", "lead", "return"): ["accept", "reply"],  # sent back: handle it
    ("order.return_rejected", "lead", "accept"): ["accept"],
    ("order.reply_rejected", "lead", "reply"): ["reply"],
    ("order.reply_rejected", "lead", "return"): ["reply"],
}
TEXTS = {
    "reply": "已派员现场处置，故障已排除，恢复正常",
    "assist-reply": "已配合现场处置",
    "return": "经核实不属于本单位供水（供电）范围，请改派",
}


class UtilitySystem:
    """The simulated system; ``secret`` signs for every sender, ``secrets`` per sender overrides."""

    def __init__(self, secret: str = "", secrets: dict[str, str] | None = None, seed: int = 0) -> None:
        self.secret, self.secrets = secret, dict(secrets or {})
        self.lock = threading.Lock()
        self.reset(seed)

    def reset(self, seed: int = 0) -> None:
        with getattr(self, "lock", threading.Lock()):
            self.received: dict[str, dict] = {}  # message_id -> first delivery
            self.deliveries = 0  # every POST, failed and repeated ones included
            self.refused = 0
            self.answers: list[dict] = []  # one per answer taken by the platform
            self.failed_answers: list[dict] = []
            self.fail_percent, self.fail_status, self.ack_loss_percent = 0.0, 503, 0.0
            self.delay, self.duplicate, self.reorder = 0.0, False, False
            self.mode, self.outcome = "reply", "resolved"
            self.rng = random.Random(seed)
            self.busy = 0  # plans still being answered

    def secret_of(self, sender: str) -> str:
        return self.secrets.get(sender) or self.secret

    # -- HTTP ----------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        req = Request(environ)
        return self._route(req)(environ, start_response)

    def _route(self, req: Request) -> Response:
        if req.path == "/messages" and req.method == "POST":
            return self._receive(req)
        if req.path == "/control" and req.method == "POST":
            self._control(req.get_json(force=True, silent=True) or {})
            return _json(self.state())
        if req.path == "/reset" and req.method == "POST":
            self.reset()
            return _json({})
        if req.path == "/state":
            return _json(self.state())
        if req.path == "/healthz":
            return _json({"status": "ok"})
        return _json({"error": "not found"}, 404)

    def _control(self, data: dict) -> None:
        with self.lock:
            for name in ("fail_percent", "ack_loss_percent", "delay"):
                if name in data:
                    setattr(self, name, float(data[name]))
            for name in ("duplicate", "reorder"):
                if name in data:
                    setattr(self, name, bool(data[name]))
            if "fail_status" in data:
                self.fail_status = int(data["fail_status"])
            if data.get("mode") in ("reply", "return", "accept", "none"):
                self.mode = data["mode"]
            if data.get("outcome") in ("resolved", "explained", "unresolved"):
                self.outcome = data["outcome"]
            if "seed" in data:
                self.rng = random.Random(int(data["seed"]))

    def state(self) -> dict:
        with self.lock:
            return {
                "received": list(self.received.values()),
                "deliveries": self.deliveries,
                "refused": self.refused,
                "answers": list(self.answers),
                "failed_answers": list(self.failed_answers),
                "busy": self.busy,
                "mode": self.mode,
            }

    def _receive(self, req: Request) -> Response:
        raw = req.get_data()
        try:
            body = json.loads(raw)
            sender = body["sender"]
            signing.verify(self.secret_of(sender), req.headers.get(signing.HEADER), raw)
        except (ValueError, KeyError, TypeError, signing.SignatureError) as exc:
            return _json({"error": f"refused: {exc}"}, 401)
        with self.lock:
            self.deliveries += 1
            if self.rng.random() * 100 < self.fail_percent:
                self.refused += 1
                return _json({"error": "simulated outage"}, self.fail_status)
            first = body["message_id"] not in self.received
            if first:
                self.received[body["message_id"]] = body
            lose_ack = self.rng.random() * 100 < self.ack_loss_percent
            plan = PLANS.get((body.get("type"), body.get("role"), self.mode), []) if first else []
            if plan:
                self.busy += 1
        if plan:
            threading.Thread(target=self._answer, args=(body, plan), daemon=True).start()
        if lose_ack:  # taken, but the platform does not learn it: it will send it again
            return _json({"error": "simulated lost acknowledgement"}, 500)
        return _json({"status": "accepted" if first else "duplicate"})

    # -- answering -------------------------------------------------------------------------------
    def _answer(self, dispatch: dict, plan: list[str]) -> None:
        try:
            if self.delay:
                time.sleep(self.delay)
            steps = [self._message(dispatch, action) for action in plan]
            if self.reorder:
                steps.reverse()
            self._send_all(dispatch, steps)
        finally:
            with self.lock:
                self.busy -= 1

    def _message(self, dispatch: dict, action: str) -> dict:
        msg = {
            "message_id": f"{dispatch['department']}-{uuid.uuid4().hex[:16]}",
            "order_number": dispatch["order"]["number"],
            "action": action,
        }
        if action in ("reply", "assist-reply"):
            msg["content"] = TEXTS[action]
        if action == "reply":
            msg["outcome"] = self.outcome
        if action == "return":
            msg["reason"] = TEXTS["return"]
        return msg

    def _send_all(self, dispatch: dict, steps: list[dict], rounds: int = 60) -> None:
        pending = list(steps)
        pause = 0.1
        for _ in range(rounds):
            for msg in list(pending):
                status = self._send(dispatch, msg)
                if status is not None and 200 <= status < 300:
                    pending.remove(msg)
                    if self.duplicate:
                        self._send(dispatch, msg)  # the platform applies it once
                elif status is not None and status not in (409, 429) and status < 500:
                    pending.remove(msg)
                    with self.lock:
                        self.failed_answers.append({**msg, "status": status})
            if not pending:
                return
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
        with self.lock:
            self.failed_answers.extend({**m, "status": "gave up"} for m in pending)

    def _send(self, dispatch: dict, msg: dict) -> int | None:
        raw = json.dumps(msg, ensure_ascii=False).encode()
        sender = dispatch["sender"]
        req = urllib.request.Request(
            dispatch["reply_to"],
            data=raw,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Hotline-Sender": sender,
                signing.HEADER: signing.sign(self.secret_of(sender), raw),
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                answer = json.loads(resp.read() or b"{}")
                if not answer.get("duplicate"):
                    with self.lock:
                        self.answers.append({**msg, "status": answer.get("status")})
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (urllib.error.URLError, OSError, ValueError):
            return None


def _json(data, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status, content_type="application/json")


def serve(secret: str = "", port: int = 0, host: str = "127.0.0.1", **kwargs):
    """Start in a thread; returns (system, base url, server): ``server.shutdown()`` stops it."""
    system = UtilitySystem(secret, **kwargs)
    server = make_server(host, port, system, threaded=True)
    threading.Thread(target=server.serve_forever, name="utility-simulator", daemon=True).start()
    return system, f"http://{host}:{server.server_port}", server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=8061)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    secret = os.environ.get("UTILITY_SIMULATOR_SECRET", "")
    if len(secret) < 32:
        parser.error("set UTILITY_SIMULATOR_SECRET (at least 32 characters)")
    system = UtilitySystem(secret)
    server = make_server(args.host, args.port, system, threaded=True)
    print(f"utility simulator on http://{args.host}:{args.port}/messages", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
