"""A calendar write in this process is seen by the next request of another, already warm, process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import pytest

from app.calendar.service import TOKEN_TTL
from tests.support.live import free_port
from tests.support.services import ROOT
from tests.support.workers import flask_env


@pytest.fixture
def gunicorn(services, app, two_tenants):
    """The platform under gunicorn (one worker: one process cache) on the test database and Redis."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=flask_env(services),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).close()
            break
        except OSError:  # refused, reset or timed out while gunicorn boots
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("gunicorn did not start: " + (proc.stderr.read() if proc.stderr else ""))
            time.sleep(0.1)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_a_put_here_is_seen_there_within_the_token_ttl(gunicorn, client, auth_headers, restore_calendars):
    reader = auth_headers("dispatcher@shijiazhuang")

    def due_there() -> dict:
        query = "start=2026-12-30T10:00:00%2B08:00&working_days=10"
        req = urllib.request.Request(
            f"{gunicorn}/api/v1/tenants/shijiazhuang/sla/deadline?{query}", headers=reader
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def due_there_becomes(expected: str) -> dict:
        """The other process sees a change within TOKEN_TTL (it reads version tokens once a second)."""
        deadline = time.monotonic() + TOKEN_TTL + 2
        while True:
            got = due_there()
            if got["due_at"] == expected or time.monotonic() > deadline:
                return got
            time.sleep(0.1)

    first = due_there()  # the other process now has 2026 and 2027 cached
    assert first["due_at"] == "2027-01-13T23:59:59+08:00" and first["fallback"] is True
    assert due_there() == first

    admin = auth_headers("province.admin")
    new_year = {"is_workday": False, "name": "元旦"}
    assert client.put("/api/v1/province/calendar/2027-01-01", json=new_year, headers=admin).status_code == 200
    after_province = due_there_becomes("2027-01-14T23:59:59+08:00")
    assert after_province["due_at"] == "2027-01-14T23:59:59+08:00" and after_province["fallback"] is False

    sup = auth_headers("city_supervisor@shijiazhuang")
    local = {"is_workday": False, "name": "停工"}
    assert (
        client.put("/api/v1/tenants/shijiazhuang/calendar/2027-01-12", json=local, headers=sup).status_code
        == 200
    )
    assert due_there_becomes("2027-01-15T23:59:59+08:00")["due_at"] == "2027-01-15T23:59:59+08:00"

    assert client.delete("/api/v1/tenants/shijiazhuang/calendar/2027-01-12", headers=sup).status_code == 204
    assert client.delete("/api/v1/province/calendar/2027-01-01", headers=admin).status_code == 204
    assert due_there_becomes("2027-01-13T23:59:59+08:00")["due_at"] == "2027-01-13T23:59:59+08:00"
