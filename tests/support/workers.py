"""Run real rq workers (subprocesses) against the test database and Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .services import ROOT


def flask_env(services) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=services.database_url,
        REDIS_URL=services.redis_url,
        APP_ENV="test",
        INSTANCE_PATH=str(services.test_instance),
    )
    if getattr(services, "public_url", None):
        env["PUBLIC_URL"] = services.public_url  # same dev IdP issuer as the test app
    return env


def run_flask(services, *args: str, timeout: float = 120, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=flask_env(services),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def burst_worker(services, queues: str = "default", timeout: float = 120) -> subprocess.CompletedProcess:
    """Process every job queued now, in a real worker process, then exit."""
    return run_flask(services, "worker", "--burst", "--no-scheduler", "-q", queues, timeout=timeout)


def start_worker(services, queues: str = "default") -> subprocess.Popen:
    """A long-running worker; its output goes to a file (``proc.log_path``), never to a pipe.

    A pipe nobody reads fills up (64 KiB) once the worker has logged enough, and the worker
    then blocks in the middle of a job: a leftover queue from earlier tests was enough to make
    a provisioning job hang for ever in a full run.
    """
    log_dir = getattr(services, "test_instance", None) or ROOT / "instance"
    log_path = Path(tempfile.mkstemp(prefix="worker-", suffix=".log", dir=log_dir)[1])
    with log_path.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "-q", queues],
            cwd=ROOT,
            env=flask_env(services),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    proc.log_path = log_path  # type: ignore[attr-defined]
    return proc
