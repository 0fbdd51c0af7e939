"""The outbox relay against intake at full rate, in one run: do deliveries keep up?

A city with one webhook subscription to ``order.created`` (a real HTTP receiver in this
process, verifying every signature). Intake threads create orders through the intake service
as fast as they can for ``BENCH_SECONDS`` (default 20); each commit publishes an event, a real
rq worker relays it (the fan-out writes the delivery, the next relay POSTs it, signed).
Reported side by side: orders created per second, outbox messages relayed per second and
webhook deliveries received per second in the same window, and the delivery lag (event
written in the order's transaction -> first arrival at the receiver), p50 / p99.
Targets: deliveries in the window at least 90% of the orders (the relay keeps up with intake),
every event delivered once, p99 lag under 2 s.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from .common import ROOT, scratch_database, server_urls, table
from .intake_rows import body

SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
THREADS = int(os.environ.get("BENCH_INTAKE_THREADS", "4"))
DRAIN_SECONDS = 60
CITY = "bench_relay"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http(url: str, data: dict | None = None) -> dict:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method="POST" if body else "GET")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def _receiver(log) -> tuple[subprocess.Popen, str]:
    """The receiver in a process of its own: the intake threads must not slow its answers."""
    port = _free_port()
    cmd = [sys.executable, "-m", "integrations.simulators.receiver", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            _http(base + "/state")
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the webhook receiver did not start")


def _redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def _worker(env: dict, log) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "-q", "outbox"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_for_worker(app, worker: subprocess.Popen, timeout: float = 120) -> None:
    """Intake starts once the worker listens (booting it on a busy machine takes a while)."""
    from rq import Worker

    from app.extensions import redis_client

    deadline = time.time() + timeout
    with app.app_context():
        while not Worker.all(connection=redis_client.conn):
            if worker.poll() is not None or time.time() > deadline:
                raise RuntimeError("the rq worker did not start")
            time.sleep(0.2)


def _intake(app, stop: float, made: list, failures: list) -> None:
    from app.auth.principal import Principal
    from app.orders.intake import intake
    from app.orders.schemas import OrderCreate
    from tenants import db, tenant_context

    agent = Principal(subject="bench", username=f"agent@{CITY}", roles=frozenset({"agent"}), tenant=CITY)
    schema = OrderCreate()
    i = threading.get_ident() % 10_000 * 100_000
    with app.app_context(), tenant_context(CITY):
        while time.time() < stop:
            i += 1
            try:
                order = intake(agent, schema.load(body(i))).order
                db.session.commit()
                made.append((order.number, time.time()))  # committed: the outbox's clock starts
            except Exception as exc:  # counted and shown: the bench must not hide errors
                db.session.rollback()
                failures.append(repr(exc))


def main(argv: list[str]) -> int:
    _, redis = server_urls()
    redis = _redis_db(redis, int(os.environ.get("BENCH_REDIS_DB", "12")))
    log = open(os.environ.get("BENCH_WORKER_LOG", os.devnull), "w")  # noqa: SIM115
    receiver, receiver_url = _receiver(log)
    try:
        return _run(redis, receiver_url, log)
    finally:
        receiver.terminate()
        receiver.wait(10)
        log.close()


def _run(redis: str, receiver_url: str, log) -> int:
    from app import create_app
    from app.webhooks import service as webhooks
    from tenants import db, tenant_context
    from tenants.migrate import ensure_province
    from tenants.provision import create_tenant

    with scratch_database("bench_outbox_relay") as url, tempfile.TemporaryDirectory() as instance:
        app = create_app(database_url=url, redis_url=redis, app_env="test", instance_path=instance)
        from app.extensions import redis_client

        with app.app_context():
            redis_client.conn.flushdb()  # the bench's own Redis database
            ensure_province(db.engine)
            create_tenant(CITY, name="投递市", region_code="980101", order_prefix="TDS")
            with tenant_context(CITY):
                _, secret = webhooks.create(
                    {"url": receiver_url + "/hooks", "event_types": ["order.created"]}, "bench"
                )
                db.session.commit()
        _http(receiver_url + "/control", {"secret": secret})
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": redis,
            "APP_ENV": "test",
            "INSTANCE_PATH": instance,  # the same dev keys: the worker opens the subscription's secret
            "LOG_LEVEL": os.environ.get("BENCH_WORKER_LOG_LEVEL", "WARNING"),
        }
        worker = _worker(env, log)
        try:
            _wait_for_worker(app, worker)
            run = _load(app, receiver_url)
        finally:
            worker.terminate()
            worker.wait(30)
        run["relayed"], run["pending"] = _outbox_counts(app, run["started"], run["ended"])
    return _report(run, _http(receiver_url + "/state"))


def _load(app, receiver_url: str) -> dict:
    """Intake at full rate for SECONDS, then wait until every event arrived (or DRAIN_SECONDS)."""
    from app.outbox.service import nudge

    made: list[tuple[str, float]] = []
    failures: list[str] = []
    started = time.time()
    stop = started + SECONDS
    threads = [threading.Thread(target=_intake, args=(app, stop, made, failures)) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ended = time.time()
    deadline = ended + DRAIN_SECONDS
    while len(_http(receiver_url + "/state")["arrived"]) < len(made) and time.time() < deadline:
        time.sleep(0.2)
        with app.app_context():
            nudge(CITY)  # what the scheduler's periodic relay does, sooner
    return {"made": made, "failures": failures, "started": started, "ended": ended, "drained": time.time()}


def _outbox_counts(app, started: float, ended: float) -> tuple[int, int]:
    from sqlalchemy import func, select

    from app.outbox.models import OutboxMessage
    from tenants import db, tenant_context

    window = (datetime.fromtimestamp(started).astimezone(), datetime.fromtimestamp(ended).astimezone())
    with app.app_context(), tenant_context(CITY):
        relayed = db.session.scalar(select(func.count()).where(OutboxMessage.delivered_at.between(*window)))
        pending = db.session.scalar(select(func.count()).where(OutboxMessage.delivered_at.is_(None)))
    return relayed, pending


def _percentiles(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    if not values:
        return float("nan"), float("nan")
    return values[len(values) // 2], values[min(len(values) - 1, int(0.99 * len(values)))]


def _report(run: dict, state: dict) -> int:
    made, window_s = run["made"], run["ended"] - run["started"]
    committed = dict(made)
    received = sum(1 for at in state["arrived"].values() if at <= run["ended"])
    arrived = {e["data"]["order"]["number"]: state["arrived"][e["id"]] for e in state["events"]}
    after_commit = _percentiles([arrived[n] - committed[n] for n in arrived if n in committed])
    after_event = _percentiles(
        [
            state["arrived"][e["id"]] - datetime.fromisoformat(e["occurred_at"]).timestamp()
            for e in state["events"]
        ]
    )
    print(
        table(
            [
                ("orders created (intake)", len(made), f"{len(made) / window_s:.0f}/s"),
                (
                    "outbox messages relayed (webhook deliveries)",
                    run["relayed"],
                    f"{run['relayed'] / window_s:.0f}/s",
                ),
                ("webhook deliveries received", received, f"{received / window_s:.0f}/s"),
            ],
            (f"in the same {window_s:.1f} s", "count", "rate"),
        )
    )
    keeps_up = received / max(len(made), 1)
    print(
        f"delivered in the window / created: {keeps_up:.2f} (target >= 0.90); after the run: "
        f"{len(state['events'])}/{len(made)} delivered in {run['drained'] - run['ended']:.1f} s more, "
        f"{run['pending']} pending, {state['duplicates']} duplicates, {state['bad_signatures']} bad signatures, "
        f"{len(run['failures'])} intake errors"
    )
    print(
        f"delivery lag from the order's commit: p50 {after_commit[0] * 1000:.0f} ms, "
        f"p99 {after_commit[1] * 1000:.0f} ms (target p99 < 2000 ms); from the change inside its "
        f"transaction: p50 {after_event[0] * 1000:.0f} ms, p99 {after_event[1] * 1000:.0f} ms"
    )
    if run["failures"]:
        print("first intake error:", run["failures"][0])
    ok = keeps_up >= 0.90 and after_commit[1] < 2.0 and len(state["events"]) == len(made)
    return 0 if ok and not run["failures"] and state["bad_signatures"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
