"""Misconfiguration at start-up: one clear line naming what to set, never a traceback.

Each case starts the real entry point in a subprocess: the Flask CLI (``flask --app wsgi``),
the worker, the scheduler, gunicorn (plain, and with the shared config of make run and Helm)
and ``make run`` itself.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.live import free_port
from tests.support.services import ROOT

UNREACHABLE_DB = "postgresql://hotline:s3cret-pw@127.0.0.1:1/hotline"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def _env(services, tmp_path, **overrides: str | None) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "KEYCLOAK_", "PII_"))
    }
    env.update(
        APP_ENV="test",
        DATABASE_URL=services.database_url,
        REDIS_URL=services.redis_url,
        INSTANCE_PATH=str(tmp_path),
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _run(cmd: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def _one_line(out: subprocess.CompletedProcess) -> str:
    assert out.returncode != 0, out.stdout + out.stderr
    assert "Traceback" not in out.stderr + out.stdout, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    return lines[0]


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (
            {"APP_ENV": "production", "DATABASE_URL": None, "REDIS_URL": None},
            ["production needs DATABASE_URL, REDIS_URL, KEYCLOAK_URL", "SECRET_KEY", "PII_ENCRYPTION_KEY"],
        ),
        (
            {"DATABASE_URL": "mysql://u:p@db/hotline"},
            ["DATABASE_URL is not a PostgreSQL URL", "postgresql://"],
        ),
        ({"REDIS_URL": "http://cache:6379"}, ["REDIS_URL is not a Redis URL", "redis://"]),
        ({"DB_POOL_SIZE": "ten"}, ["DB_POOL_SIZE must be a whole number, not 'ten'"]),
    ],
)
def test_bad_settings_stop_the_cli_in_one_line(services, tmp_path, overrides, expected):
    line = _one_line(_run([*FLASK, "tenants", "list"], _env(services, tmp_path, **overrides)))
    assert line.startswith("hotline: cannot start: ")
    for text in expected:
        assert text in line, line


@pytest.mark.parametrize(
    "command, overrides, setting",
    [
        (["tenants", "list"], {"DATABASE_URL": UNREACHABLE_DB}, "DATABASE_URL"),
        (["worker", "--burst"], {"REDIS_URL": UNREACHABLE_REDIS}, "REDIS_URL"),
        (["scheduler"], {"DATABASE_URL": UNREACHABLE_DB}, "DATABASE_URL"),
    ],
)
def test_unreachable_servers_stop_cli_worker_and_scheduler_in_one_line(
    services, tmp_path, command, overrides, setting
):
    line = _one_line(_run([*FLASK, *command], _env(services, tmp_path, **overrides)))
    assert line.startswith("Error: cannot connect to") and f"check {setting}" in line, line
    assert "s3cret-pw" not in line and ("***" in line or setting == "REDIS_URL")  # the password never


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"APP_ENV": "staging"}, "APP_ENV must be one of development, test, production, not 'staging'"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'LOUD'"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of json, text, not 'xml'"),
        ({"DB_POOL_CHECK": "sometimes"}, "DB_POOL_CHECK must be one of poll, ping, off, not 'sometimes'"),
        ({"DB_MAX_OVERFLOW": "2.5"}, "DB_MAX_OVERFLOW must be a whole number, not '2.5'"),
    ],
)
def test_settings_name_the_variable_and_its_choices(env, expected):
    from app.config import ConfigError, Settings

    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert str(caught.value) == expected


def test_gunicorn_stops_on_a_bad_setting_instead_of_respawning_workers(services, tmp_path):
    """Exit code 4 makes gunicorn's arbiter give up (App failed to load) rather than loop."""
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "wsgi:app",
        "--bind",
        f"127.0.0.1:{free_port()}",
        "--workers",
        "1",  # one is enough to show the arbiter giving up, and lighter on a loaded machine
        "--timeout",
        "120",
    ]
    env = _env(services, tmp_path, APP_ENV="production", DATABASE_URL=None, REDIS_URL=None)
    out = _run(cmd, env, timeout=180)
    assert out.returncode == 4, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    ours = [line for line in out.stderr.splitlines() if line.startswith("hotline: cannot start:")]
    assert ours and "production needs DATABASE_URL" in ours[0]


def test_gunicorn_with_the_shared_config_checks_the_servers_once_before_forking(services, tmp_path):
    cmd = [sys.executable, "-m", "gunicorn", "wsgi:app", "--config", "python:app.serving"]
    cmd += ["--bind", f"127.0.0.1:{free_port()}"]
    out = _run(cmd, _env(services, tmp_path, DATABASE_URL=UNREACHABLE_DB))
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    ours = [line for line in out.stderr.splitlines() if line.startswith("hotline: cannot start:")]
    assert len(ours) == 1 and "cannot connect to PostgreSQL" in ours[0] and "DATABASE_URL" in ours[0]
    assert "Booting worker" not in out.stderr  # it never forked a worker
    other = [line for line in out.stderr.splitlines() if not line.startswith("hotline:")]
    assert all(line.startswith("{") for line in other), other  # gunicorn's own lines are JSON


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"DATABASE_URL": UNREACHABLE_DB}, "cannot connect to PostgreSQL"),
        ({"APP_ENV": "production"}, "production needs KEYCLOAK_URL"),
    ],
)
def test_make_run_stops_in_one_line(services, tmp_path, overrides, expected):
    out = _run(
        [sys.executable, "-m", "app.devserver"], _env(services, tmp_path, PORT=str(free_port()), **overrides)
    )
    assert out.returncode == 1 and "Traceback" not in out.stdout + out.stderr, out.stdout + out.stderr
    said = [line for line in out.stdout.splitlines() if line.startswith("[make run] cannot start:")]
    assert len(said) == 1 and expected in said[0], out.stdout
