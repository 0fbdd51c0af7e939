"""A 110/119/120/122 platform simulator speaking the exchange of docs/integrations.md over HTTP.

Written from the protocol document, not from our code: it signs and verifies with hmac itself,
builds its EIDO documents by hand and gets tokens with a plain client-credentials request.
One process serves any number of (city, platform) pairs under ``/<tenant>/<platform>/``:

- ``POST /<tenant>/<platform>/incidents``: an escalation from 12345. Verified, applied once per
  ``hotline12345.messageId`` (an incident number is assigned), answered 202; then the platform's
  steps (``script``: acknowledged, dispatched, closed) are sent back to 12345.
- ``POST /<tenant>/<platform>/incidents/<id>/status``: 12345's step on an incident we handed over.
- ``POST /<tenant>/<platform>/handover``: make the platform hand an incident over to 12345
  (JSON: content, class_code, caller, address, police_dispatched, statuses to send after it).
- ``POST /control``: ``fail_rate`` and ``fail_status`` (refuse that share of incoming requests),
  ``lost_ack_rate`` (apply, then answer 503 as if the answer was lost), ``delay`` (seconds before
  answering), ``duplicate_rate`` (send a delivered message again), ``reorder`` (send pending
  messages in random order), ``script``, ``seed``.
- ``GET /state``: what was received (with delivery counts) and sent (with the answers).

``python -m integrations.simulators.emergency --config FILE --port 8110`` (``make run`` starts it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from .wire import HEADER, document, now_iso, prologue, sign, verified


@dataclass
class Entry:
    """One simulated platform of one city, with what it needs to call 12345."""

    tenant: str
    platform: str
    hotline_url: str
    token_url: str
    client_id: str
    client_secret: str
    signing_secret: str


@dataclass
class Outgoing:
    entry: Entry
    path: str
    doc: dict
    message_id: str
    attempts: int = 0
    answers: list = field(default_factory=list)  # (status, body) of each attempt
    done: bool = False
    duplicated: bool = False
    after: str | None = None  # a handover's steps wait until 12345 has answered the handover


class Simulator:
    def __init__(self, entries: list[Entry]):
        self.entries = {(e.tenant, e.platform): e for e in entries}
        self.settings = {
            "fail_rate": 0.0,
            "fail_status": 503,
            "lost_ack_rate": 0.0,
            "delay": 0.0,
            "duplicate_rate": 0.0,
            "reorder": False,
            "script": ["acknowledged", "dispatched", "closed"],
        }
        self.rng = random.Random(0)
        self.lock = threading.RLock()
        self.escalations: dict[str, dict] = {}  # message id -> the incident it opened
        self.deliveries: dict[str, int] = defaultdict(int)  # message id -> times it reached us
        self.statuses: dict[str, list[dict]] = defaultdict(list)  # incident -> 12345's steps, applied once
        self.refused: list[dict] = []
        self.outgoing: list[Outgoing] = []
        self._tokens: dict[str, tuple[float, str]] = {}
        self._seq = itertools.count(1)
        self._wake = threading.Event()
        self._stop = False
        self._sender = threading.Thread(target=self._send_loop, name="emergency-sim-sender", daemon=True)
        self._sender.start()

    # -- incoming -----------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        req = Request(environ)
        resp = self._route(req)
        return resp(environ, start_response)

    def _json(self, data, status=200) -> Response:
        return Response(
            json.dumps(data, ensure_ascii=False, default=str), status, content_type="application/json"
        )

    def _route(self, req: Request) -> Response:
        parts = [p for p in req.path.split("/") if p]
        if parts == ["control"] and req.method == "POST":
            return self._control(req.get_json(silent=True) or {})
        if parts == ["state"]:
            return self._json(self.state())
        if len(parts) >= 3 and req.method == "POST":
            entry = self.entries.get((parts[0], parts[1]))
            if entry is None:
                return self._json({"error": "unknown city or platform"}, 404)
            rest = parts[2:]
            if rest == ["handover"]:
                return self._json(self.handover(entry, req.get_json(silent=True) or {}), 202)
            if rest == ["incidents"] or (len(rest) == 3 and rest[0] == "incidents" and rest[2] == "status"):
                return self._incoming(entry, req, rest[1] if len(rest) == 3 else None)
        return self._json({"error": "not found"}, 404)

    def _control(self, data: dict) -> Response:
        with self.lock:
            for key in self.settings:
                if key in data:
                    self.settings[key] = data[key]
            if "seed" in data:
                self.rng = random.Random(data["seed"])
        return self._json(self.settings)

    def _incoming(self, entry: Entry, req: Request, incident_id: str | None) -> Response:
        s = self.settings
        if s["delay"]:
            time.sleep(float(s["delay"]))
        body = req.get_data()
        with self.lock:
            if self.rng.random() < float(s["fail_rate"]):
                return self._json({"error": "simulated failure"}, int(s["fail_status"]))
        if not verified(entry.signing_secret, req.headers.get(HEADER), body):
            self.refused.append({"why": "signature", "path": req.path})
            return self._json({"error": "bad signature"}, 401)
        try:
            doc = json.loads(body)
            ext = doc["hotline12345"]
            message_id, status = ext["messageId"], ext["status"]
        except (ValueError, KeyError, TypeError):
            self.refused.append({"why": "malformed", "path": req.path})
            return self._json({"error": "malformed EIDO"}, 400)
        with self.lock:
            self.deliveries[message_id] += 1
            first = self.deliveries[message_id] == 1
            if incident_id is None:
                if first:
                    self._open_incident(entry, doc, message_id)
                answer = {"incident_id": self.escalations[message_id]["incident_id"]}
            else:
                if first:
                    self.statuses[incident_id].append(
                        {"message_id": message_id, "status": status, "doc": doc}
                    )
                answer = {"incident_id": incident_id, "status": status}
            lost = self.rng.random() < float(s["lost_ack_rate"])
        self._wake.set()
        if lost:  # applied, but the answer never reaches 12345: it must send again
            return self._json({"error": "simulated lost answer"}, 503)
        return self._json({"received": True, **answer}, 202)

    def _new_id(self, entry: Entry) -> str:
        return f"{entry.platform}-{datetime.now(UTC):%Y%m%d}-{next(self._seq):05d}{uuid.uuid4().hex[:4]}"

    def _steps(self, entry: Entry, incident_id: str, statuses: list[str], tag: str, number=None, after=None):
        """Queue the platform's steps on an incident (each names our order, so any order is fine)."""
        path = f"/api/v1/integrations/emergency/{entry.tenant}/incidents/{incident_id}/status"
        for i, status in enumerate(statuses, start=1):
            at = datetime.fromtimestamp(time.time() + i / 1000, UTC).isoformat()  # distinct, increasing
            incident = {"internalIncidentId": incident_id, "incidentStatusCommonRegistryText": [status]}
            ext = {"orderNumber": number} if number else {}
            doc = document(
                entry,
                f"{incident_id}-{tag}{i}",
                status,
                incident,
                note=f"{entry.platform} {status}",
                ext=ext,
                at=at,
            )
            self._queue(entry, path, doc, after)

    def _open_incident(self, entry: Entry, doc: dict, message_id: str) -> None:
        number = doc["hotline12345"].get("orderNumber")
        incident_id = self._new_id(entry)
        self.escalations[message_id] = {"incident_id": incident_id, "order_number": number, "doc": doc}
        self._steps(entry, incident_id, list(self.settings["script"]), "s", number)

    def handover(self, entry: Entry, data: dict) -> dict:
        """Hand an incident over to 12345 (and queue the statuses that follow it, if any)."""
        incident_id = data.get("incident_id") or self._new_id(entry)
        incident = {
            "internalIncidentId": incident_id,
            "incidentPriorityInternalText": data.get("priority", "normal"),
        }
        if data.get("class_code"):
            incident["incidentTypeInternalCode"] = data["class_code"]
            incident["incidentTypeInternalText"] = data.get("class_name") or data["class_code"]
        ext = {"policeDispatched": bool(data.get("police_dispatched"))}
        if data.get("caller"):
            ext["callerNumber"] = data["caller"]
        message_id = data.get("message_id") or f"{incident_id}-new"
        doc = document(entry, message_id, "new", incident, note=data["content"], ext=ext)
        if data.get("address"):
            loc = {
                "locationTypeDescriptionRegistryText": "Incident",
                "locationDescriptionText": data["address"],
            }
            doc["locationComponent"] = [
                {**prologue("loc-1", f"{entry.platform}.{entry.tenant}", now_iso()), **loc}
            ]
        self._queue(entry, f"/api/v1/integrations/emergency/{entry.tenant}/incidents", doc)
        self._steps(entry, incident_id, list(data.get("statuses") or []), "p", after=message_id)
        return {"incident_id": incident_id, "message_id": message_id}

    # -- outgoing -----------------------------------------------------------------------------
    def _queue(self, entry: Entry, path: str, doc: dict, after: str | None = None) -> None:
        with self.lock:
            self.outgoing.append(Outgoing(entry, path, doc, doc["hotline12345"]["messageId"], after=after))
        self._wake.set()

    def _token(self, entry: Entry) -> str:
        hit = self._tokens.get(entry.client_id)
        if hit and hit[0] > time.time() + 30:
            return hit[1]
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": entry.client_id,
                "client_secret": entry.client_secret,
            }
        ).encode()
        with urllib.request.urlopen(urllib.request.Request(entry.token_url, data=form), timeout=10) as resp:
            data = json.loads(resp.read())
        self._tokens[entry.client_id] = (time.time() + data["expires_in"], data["access_token"])
        return data["access_token"]

    def _send(self, out: Outgoing) -> None:
        body = json.dumps(out.doc, ensure_ascii=False).encode()
        req = urllib.request.Request(
            out.entry.hotline_url.rstrip("/") + out.path,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self._token(out.entry)}",
                HEADER: sign(out.entry.signing_secret, body),
            },
        )
        out.attempts += 1
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                out.answers.append((resp.status, json.loads(resp.read() or b"{}")))
        except urllib.error.HTTPError as exc:
            out.answers.append((exc.code, json.loads(exc.read() or b"{}")))
        except (urllib.error.URLError, OSError) as exc:
            out.answers.append((0, {"error": str(exc)}))
        status = out.answers[-1][0]
        if 200 <= status < 300 or (400 <= status < 500 and status not in (401, 408, 429)):
            out.done = True  # delivered, or refused for good (4xx): the answer is in ``answers``

    def _send_loop(self) -> None:
        while not self._stop:
            self._wake.wait(0.2)
            self._wake.clear()
            with self.lock:
                answered = {o.message_id for o in self.outgoing if o.done and 200 <= o.answers[-1][0] < 300}
                pending = [
                    o for o in self.outgoing if not o.done and (o.after is None or o.after in answered)
                ]
                if self.settings["reorder"]:
                    self.rng.shuffle(pending)
                dup = float(self.settings["duplicate_rate"])
            for out in pending:
                self._send(out)
                if out.done and not out.duplicated and 200 <= out.answers[-1][0] < 300:
                    with self.lock:
                        again = self.rng.random() < dup
                    if again:  # the same message once more, freshly signed: 12345 must not apply it twice
                        out.duplicated = True
                        self._send(out)
            if any(not o.done for o in pending):
                time.sleep(0.1)

    def idle(self) -> bool:
        with self.lock:
            return all(o.done for o in self.outgoing)

    def state(self) -> dict:
        with self.lock:
            return {
                "settings": self.settings,
                "escalations": {
                    k: {
                        **{x: v[x] for x in ("incident_id", "order_number")},
                        "deliveries": self.deliveries[k],
                        "doc": v["doc"],
                    }
                    for k, v in self.escalations.items()
                },
                "statuses": {
                    k: [{**s, "deliveries": self.deliveries[s["message_id"]]} for s in v]
                    for k, v in self.statuses.items()
                },
                "sent": [
                    {
                        "path": o.path,
                        "message_id": o.message_id,
                        "attempts": o.attempts,
                        "done": o.done,
                        "duplicated": o.duplicated,
                        "answers": o.answers,
                    }
                    for o in self.outgoing
                ],
                "refused": list(self.refused),
                "idle": all(o.done for o in self.outgoing),
            }

    def stop(self) -> None:
        self._stop = True
        self._wake.set()


def serve(entries: list[Entry], port: int = 0, host: str = "127.0.0.1"):
    """Start in threads; returns (simulator, base url, server): ``server.shutdown()`` stops it."""
    sim = Simulator(entries)
    server = make_server(host, port, sim, threaded=True)
    threading.Thread(target=server.serve_forever, name="emergency-sim", daemon=True).start()
    return sim, f"http://{host}:{server.server_port}", server


def load(path: str) -> list[Entry]:
    with open(path, encoding="utf-8") as f:
        return [Entry(**e) for e in json.load(f)["platforms"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="JSON written by `flask emergency simulator-config`")
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    sim = Simulator(load(args.config))
    server = make_server(args.host, args.port, sim, threaded=True)
    print(
        f"emergency platform simulator on http://{args.host}:{args.port} ({len(sim.entries)} platforms)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
