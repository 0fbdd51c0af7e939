"""Structured logs: JSON lines with request id, tenant, user and route; never caller data or tokens.

The lifecycle test drives an order from intake to callback over real HTTP with real tokens,
captures every line the app writes (root logger at DEBUG) and every line a real rq worker
writes while it processes the jobs the lifecycle queued, then scans all of it.
"""

from __future__ import annotations

import io
import json
import logging
import random
import re
import subprocess
import sys

import pytest
import requests

from app import logs
from tests.support.services import ROOT
from tests.support.workers import flask_env


@pytest.fixture
def captured():
    """Every log line of this process, as the app's own JSON handler writes it."""
    buffer = io.StringIO()
    handler = logs.build_handler("json", stream=buffer)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _secrets_in(text: str, phone: str, name: str, tokens: list[str]) -> list[str]:
    masked = f"{phone[:3]}****{phone[-4:]}"
    found = [s for s in (phone, phone[3:], masked, "****" + phone[-4:], name) if s in text]
    for token in tokens:
        signature = token.rsplit(".", 1)[-1]
        found += [f"token ...{token[-12:]}" for part in (token, signature) if part in text]
    return found


def test_full_lifecycle_logs_no_phone_name_or_token(live_server, token_for, two_tenants, captured, services):
    base = f"{live_server.url}/api/v1/tenants/shijiazhuang/orders"
    phone = f"139{random.randrange(10**7, 10**8)}"
    name = "司马晓燕"
    users = ("agent@shijiazhuang", "dispatcher@shijiazhuang", "handler.zjj@shijiazhuang")
    tokens = {u: token_for(u) for u in users}

    def call(method: str, url: str, user: str, **kwargs):
        headers = {"Authorization": f"Bearer {tokens[user]}", **kwargs.pop("headers", {})}
        return requests.request(method, url, headers=headers, timeout=30, **kwargs)

    body = {
        "channel": "phone",
        "appeal_type": "complaint",
        "category_code": "0105",
        "title": "小区夜间施工噪音扰民",
        "content": f"来电人{name}反映夜间施工噪音，联系电话{phone}，希望尽快处理。",
        "caller": {"name": name, "phone": phone, "language": "zh", "needs": []},
        "address": "建华南大街88号",
    }
    key = {"Idempotency-Key": f"log-test-{phone}"}
    created = call(
        "POST", base, "agent@shijiazhuang", json=body, headers={**key, "X-Request-ID": "lifecycle-0001"}
    )
    assert created.status_code == 201, created.text
    assert created.headers["X-Request-ID"] == "lifecycle-0001"
    assert call("POST", base, "agent@shijiazhuang", json=body, headers=key).status_code == 201  # replay
    oid = created.json()["id"]
    revealed = call("GET", f"{base}/{oid}?reveal=phone", "dispatcher@shijiazhuang")
    assert revealed.json()["caller"]["phone"] == phone
    steps = [
        ("dispatch", "dispatcher@shijiazhuang", {"lead_department": "zjj", "note": f"请联系{name}"}),
        ("accept", "handler.zjj@shijiazhuang", {}),
        ("reply", "handler.zjj@shijiazhuang", {"content": f"已电话联系{phone}", "outcome": "resolved"}),
        ("close", "dispatcher@shijiazhuang", {"resolution": "已办结"}),
        ("callback", "agent@shijiazhuang", {"satisfaction": "satisfied", "resolved": True, "note": name}),
    ]
    for action, user, payload in steps:
        resp = call("POST", f"{base}/{oid}/{action}", user, json=payload)
        assert resp.status_code == 200, (action, resp.text)
    # a token that fails verification, and a request id that is not a sane token
    forged = tokens["agent@shijiazhuang"][:-6] + "AAAAAA"
    bad = requests.get(
        f"{base}/{oid}", headers={"Authorization": f"Bearer {forged}", "X-Request-ID": "a b\tc"}, timeout=30
    )
    assert bad.status_code == 401
    assert re.fullmatch(r"[0-9a-f]{32}", bad.headers["X-Request-ID"])

    worker = subprocess.run(  # the jobs the lifecycle queued (audit sealing, outbox, facts), in a real worker
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", "-q", "default,outbox,reports"],
        cwd=ROOT,
        env={**flask_env(services), "LOG_LEVEL": "DEBUG"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]

    web_text, worker_text = captured.getvalue(), worker.stdout + worker.stderr
    assert _secrets_in(web_text, phone, name, [*tokens.values(), forged]) == []
    assert _secrets_in(worker_text, phone, name, [*tokens.values(), forged]) == []

    web = _lines(web_text)  # every line is JSON
    requests_logged = [r for r in web if r["logger"] == "hotline.request"]
    intake = next(r for r in requests_logged if r.get("request_id") == "lifecycle-0001")
    assert intake["route"] == "/api/v1/tenants/<string:tenant>/orders"
    assert intake["method"] == "POST" and intake["status"] == 201 and intake["duration_ms"] > 0
    assert intake["tenant"] == "shijiazhuang" and intake["user"] == "agent@shijiazhuang"
    accept = next(r for r in requests_logged if r["path"].endswith(f"/{oid}/accept"))
    assert accept["route"] == "/api/v1/tenants/<string:tenant>/orders/<int:order_id>/accept"
    assert accept["user"] == "handler.zjj@shijiazhuang" and accept["status"] == 200
    rejected = next(r for r in requests_logged if r["request_id"] == bad.headers["X-Request-ID"])
    assert rejected["status"] == 401 and "user" not in rejected
    assert len({r["request_id"] for r in requests_logged}) == len(requests_logged)  # one id per request

    jobs = [r for r in _lines(worker.stderr) if r.get("job_id")]
    assert jobs, worker.stderr[-2000:]
    done = [r for r in jobs if r["logger"] == "app.jobs.runner" and r["message"].endswith(" done")]
    assert any(r["tenant"] == "shijiazhuang" and r["job_func"].startswith("app.") for r in done), done


def test_redaction_filter_is_a_safety_net(captured):
    """Whatever a careless line says, phones, tokens and caller fields are rewritten."""
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyOmFnZW50In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    log = logging.getLogger("tests.careless")
    log.warning(
        "caller 13912345678 (+86 139-1234-5679, 0311-85551234, 139****5678) sent Bearer %s",
        jwt,
        extra={
            "caller": {"name": "司马晓燕"},
            "payload": {"phone": "13912345670", "note": "call 13912345671"},
        },
    )
    try:
        raise ValueError("password=hunter2 for 13912345672")
    except ValueError:
        log.exception("failed with client_secret=s3cr3t-value")
    text = captured.getvalue()
    for leaked in (
        "1391234567",
        "1234-567",
        "85551234",
        "****5678",
        jwt,
        "司马晓燕",
        "hunter2",
        "s3cr3t-value",
    ):
        assert leaked not in text, leaked
    first, second = _lines(text)[-2:]
    assert first["caller"] == "[redacted]" and first["payload"]["phone"] == "[redacted]"
    assert first["payload"]["note"] == "call [phone]"
    assert "Bearer [token]" in first["message"] and first["message"].count("[phone]") == 4
    assert "ValueError: password=[redacted] for [phone]" in second["exc_info"]
    assert second["level"] == "ERROR" and second["logger"] == "tests.careless"


def test_order_numbers_and_ids_survive_redaction():
    """Redaction is narrow: order numbers, request ids and durations stay readable."""
    text = "order SJZ-20261128-000123 id 4711 took 12.5 ms request 3f2a9c1e0b8d4e6f9a7b5c3d1e0f2a4b"
    assert logs.redact(text) == text


def test_request_id_is_accepted_only_when_sane():
    assert (
        logs.request_id_from("0f8fad5b-d9cb-469f-a165-70867728950e") == "0f8fad5b-d9cb-469f-a165-70867728950e"
    )
    for insane in (None, "", "x" * 200, "a\nb", "<script>", "id with spaces"):
        assert re.fullmatch(r"[0-9a-f]{32}", logs.request_id_from(insane)), insane


def test_cli_writes_json_lines(services):
    """The CLI's log lines are JSON too (here: a migration run logging at INFO)."""
    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "tenants", "migrate", "--all"],
        cwd=ROOT,
        env={**flask_env(services), "LOG_LEVEL": "DEBUG"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert lines and all(json.loads(line)["level"] for line in lines), out.stderr[-2000:]


def test_text_format_for_a_terminal():
    """LOG_FORMAT=text: one readable line, the same redaction."""
    buffer = io.StringIO()
    handler = logs.build_handler("text", stream=buffer)
    handler.handle(
        logging.makeLogRecord({"name": "x", "levelno": 20, "levelname": "INFO", "msg": "call 13912345678"})
    )
    line = buffer.getvalue()
    assert line.endswith("INFO x [- - -]: call [phone]\n"), line
