"""PostgreSQL drops every connection (pg_terminate_backend, as in a restart or failover): no 5xx.

Real PostgreSQL backends are terminated under the app; requests go over real HTTP.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import event, select, text

from tenants import tenant_context
from tenants.db import Database, db

ORDERS = "/api/v1/tenants/shijiazhuang/orders"


def _terminate_all(services) -> int:
    """Terminate every backend of the test database but our own; returns how many."""
    with psycopg.connect(services.admin_url, autocommit=True) as admin:
        return admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
            (services.database,),
        ).fetchone()[0]


def _body(i: int, tag: str) -> dict:
    return {
        "channel": "web",
        "appeal_type": "consultation",
        "category_code": "0105",
        "title": f"failover {tag} {i}",
        "content": "咨询社保卡补办流程，需要带哪些材料。",
    }


@pytest.mark.parametrize("check, survives", [("off", False), ("poll", True), ("ping", True)])
def test_pool_check_refuses_a_connection_the_server_closed(services, check, survives):
    """The idle-socket poll catches what pool_pre_ping catches, without its round trip."""
    engine_owner = Database()
    engine_owner.configure(services.database_url, pool_size=1, max_overflow=0, pool_check=check)
    try:
        with engine_owner.engine.connect() as conn:
            before = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert _terminate_all(services) >= 1
        if survives:
            with engine_owner.engine.connect() as conn:
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != before
        else:  # the control: without a check the stale connection fails its first statement
            from sqlalchemy.exc import OperationalError

            with pytest.raises(OperationalError), engine_owner.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
    finally:
        engine_owner.dispose()


def test_every_kind_of_request_after_all_connections_dropped(
    live_server, auth_headers, two_tenants, services
):
    """A warm pool, every backend terminated, then one request of each kind: all answer normally."""
    agent, dispatcher = auth_headers("agent@shijiazhuang"), auth_headers("dispatcher@shijiazhuang")
    host, port = live_server.url.removeprefix("http://").split(":")

    def request(method, path, headers, body=None):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        payload = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        conn.request(method, path, payload, {**headers, "Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, json.loads(data) if data else None

    status, order = request("POST", ORDERS, agent, _body(0, "stale"))
    assert status == 201
    warm = [threading.Thread(target=request, args=("GET", ORDERS, dispatcher)) for _ in range(8)]
    for t in warm:
        t.start()
    for t in warm:
        t.join()
    assert db.engine.pool.checkedin() >= 2  # idle pooled connections that are about to go stale
    assert _terminate_all(services) >= 2
    checks = [
        ("GET", "/readyz", {}, None, 200),
        ("GET", ORDERS, dispatcher, None, 200),
        ("GET", f"{ORDERS}/{order['id']}", dispatcher, None, 200),
        ("POST", ORDERS, agent, _body(1, "stale"), 201),
        ("POST", f"{ORDERS}/{order['id']}/dispatch", dispatcher, {"lead_department": "zjj"}, 200),
        ("GET", "/api/v1/tenants/shijiazhuang/categories", agent, None, 200),
        ("GET", "/api/v1/tenants", auth_headers("province.admin"), None, 200),
    ]
    for method, path, headers, body, expected in checks:
        assert request(method, path, headers, body)[0] == expected, (method, path)


def test_connections_terminated_under_load_no_5xx_no_lost_order(
    live_server, auth_headers, two_tenants, services, caplog
):
    """Threads post orders over HTTP while every backend is terminated again and again."""
    host, port = live_server.url.removeprefix("http://").split(":")
    headers = {**auth_headers("agent@shijiazhuang"), "Content-Type": "application/json"}
    reader = auth_headers("dispatcher@shijiazhuang")
    run = uuid.uuid4().hex[:8]
    acknowledged: dict[str, int] = {}  # Idempotency-Key -> order id
    statuses: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    terminated: list[int] = []

    def enough() -> bool:
        """What the assertions below need to have happened (a busy machine takes longer than 8 s)."""
        with lock:
            exercised = len(terminated) >= 5 and sum(terminated) >= 15 and len(acknowledged) >= 50
        return exercised and any(
            r.getMessage().startswith("database connection lost") for r in caplog.records
        )

    def post_orders(k: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        i = 0
        while not stop.is_set():
            i += 1
            key = f"{run}-{k}-{i}"
            try:
                body = json.dumps(_body(i, key), ensure_ascii=False).encode()
                conn.request("POST", ORDERS, body, {**headers, "Idempotency-Key": key})
                resp = conn.getresponse()
                data = json.loads(resp.read())
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
                continue
            with lock:
                statuses.append(resp.status)
                if resp.status == 201:
                    acknowledged[key] = data["id"]

    def read_lists() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        while not stop.is_set():
            conn.request("GET", ORDERS + "?page_size=5", headers=reader)
            resp = conn.getresponse()
            resp.read()
            with lock:
                statuses.append(resp.status)

    def terminate() -> None:
        """Every 0.5 s for at least 6 s (until enough happened, 60 s at most); the load goes on 1 s more."""
        started = time.monotonic()
        try:
            time.sleep(1)
            while time.monotonic() - started < 7 or (time.monotonic() - started < 61 and not enough()):
                count = _terminate_all(services)
                with lock:
                    terminated.append(count)
                time.sleep(0.5)
            time.sleep(1)
        finally:
            stop.set()

    threads = [threading.Thread(target=post_orders, args=(k,)) for k in range(6)]
    threads += [threading.Thread(target=read_lists) for _ in range(2)]
    threads.append(threading.Thread(target=terminate))
    with caplog.at_level("WARNING"):
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert not errors, errors[:5]
    assert len(terminated) >= 5 and sum(terminated) >= 15, terminated  # the backends really went away
    assert [s for s in statuses if s >= 500] == [], sorted(set(statuses))
    assert len(acknowledged) >= 50
    lost_mid_request = [r for r in caplog.records if r.getMessage().startswith("database connection lost")]
    assert lost_mid_request, "no request was caught mid-flight: the test did not exercise the retry"
    from app.orders.models import Order

    with tenant_context("shijiazhuang"):  # every acknowledged order is stored, once
        stored = dict(
            db.session.execute(
                select(Order.title, Order.id).where(Order.title.like(f"failover {run}-%"))
            ).all()
        )
    expected = {f"failover {key} {key.rsplit('-', 1)[1]}": oid for key, oid in acknowledged.items()}
    assert {t: stored.get(t) for t in expected} == expected


@contextmanager
def _terminate_own_backend_on(event_name: str, services):
    """Kill the backend of the first connection that reaches ``event_name`` (once)."""
    fired = []

    def kill(conn, *args):
        if fired:
            return
        fired.append(conn.connection.dbapi_connection.info.backend_pid)
        with psycopg.connect(services.admin_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (fired[0],))

    event.listen(db.engine, event_name, kill)
    try:
        yield fired
    finally:
        event.remove(db.engine, event_name, kill)


def _count(title: str) -> int:
    from app.orders.models import Order

    with tenant_context("shijiazhuang"):
        return len(db.session.execute(select(Order.id).where(Order.title == title)).all())


def test_lost_before_commit_is_answered_again(client, auth_headers, two_tenants, services):
    body = _body(1, f"before-commit {uuid.uuid4().hex[:8]}")
    with _terminate_own_backend_on("before_cursor_execute", services) as fired:
        resp = client.post(ORDERS, json=body, headers=auth_headers("agent@shijiazhuang"))
    assert fired and resp.status_code == 201, resp.get_json()
    assert _count(body["title"]) == 1


def test_lost_during_commit_without_key_is_503_with_retry_after(client, auth_headers, two_tenants, services):
    """COMMIT was sent: whether it landed is unknown, so no blind retry (no duplicate order)."""
    body = _body(2, f"commit {uuid.uuid4().hex[:8]}")
    with _terminate_own_backend_on("commit", services) as fired:
        resp = client.post(ORDERS, json=body, headers=auth_headers("agent@shijiazhuang"))
    assert fired and resp.status_code == 503, resp.get_json()
    assert resp.headers["Retry-After"] == "1" and resp.get_json()["code"] == 503
    assert _count(body["title"]) == 0  # the server rolled it back: the client's retry is safe


def test_lost_during_commit_with_idempotency_key_is_answered_again(
    client, auth_headers, two_tenants, services, caplog
):
    body = _body(3, f"commit-key {uuid.uuid4().hex[:8]}")
    headers = {**auth_headers("agent@shijiazhuang"), "Idempotency-Key": uuid.uuid4().hex}
    with (
        caplog.at_level("INFO", logger="hotline.request"),
        _terminate_own_backend_on("commit", services) as fired,
    ):
        resp = client.post(ORDERS, json=body, headers=headers)
    assert fired and resp.status_code == 201, resp.get_json()
    attempts = [(r.status, r.request_id) for r in caplog.records if r.name == "hotline.request"]
    assert [a[0] for a in attempts] == [503, 201]  # both attempts logged, under one request id
    assert attempts[0][1] == attempts[1][1] == resp.headers["X-Request-ID"]
    assert _count(body["title"]) == 1
    again = client.post(ORDERS, json=body, headers=headers)
    assert again.status_code == 201 and again.get_json()["id"] == resp.get_json()["id"]
