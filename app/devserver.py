"""``make run``: everything up on embedded defaults, demo province seeded.

Starts embedded PostgreSQL/Redis when their URLs are unset, migrates, provisions and
seeds the demo province, then runs gunicorn, an rq worker and the scheduler. Ctrl-C
stops everything this process started (and only that).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .config import Settings


def _say(msg: str) -> None:
    print(f"[make run] {msg}", flush=True)


def main() -> int:
    settings = Settings.from_env()
    from . import embedded

    started_pg = started_redis = False
    env = dict(os.environ)
    if not settings.database_url:
        _say("DATABASE_URL unset: starting embedded PostgreSQL in instance/pgdata")
        env["DATABASE_URL"], started_pg = embedded.ensure_postgres(settings.instance_path)
    if not settings.redis_url:
        _say("REDIS_URL unset: starting embedded Redis in instance/redis")
        env["REDIS_URL"], started_redis = embedded.ensure_redis(settings.instance_path)
    port = int(env.get("PORT", "8000"))
    env.setdefault("PUBLIC_URL", f"http://127.0.0.1:{port}")
    metrics_dir = Path(settings.instance_path) / "prometheus"
    import shutil

    shutil.rmtree(metrics_dir, ignore_errors=True)  # samples of a previous run's processes
    metrics_dir.mkdir(parents=True)
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    children: list[subprocess.Popen] = []

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if started_redis:
            _say("stopping embedded Redis")
            embedded.stop_redis(settings.instance_path)
        if started_pg:
            _say("stopping embedded PostgreSQL")
            embedded.stop_postgres(settings.instance_path)

    try:
        _say("migrating the province and every tenant schema")
        subprocess.run([*flask, "tenants", "migrate", "--all", "--jobs", "2"], env=env, check=True)
        _say("provisioning the demo province (河北省, 11 cities)")
        subprocess.run([*flask, "demo", "provision"], env=env, check=True)
        seed = Path(settings.instance_path) / ".demo-seeded"
        if not seed.exists() and "seed" in _demo_commands(flask, env):
            _say("seeding demo orders in every city (first run only)")
            subprocess.run(
                [*flask, "demo", "seed", "--orders", env.get("DEMO_ORDERS", "300")], env=env, check=True
            )
            seed.write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))
        children.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "wsgi:app",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    env.get("WEB_WORKERS", "2"),
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                ],
                env=env,
            )
        )
        children.append(subprocess.Popen([*flask, "worker"], env=env))
        children.append(subprocess.Popen([*flask, "scheduler"], env=env))
        _banner(port)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        _say("a process exited; stopping the rest")
        return 1
    except KeyboardInterrupt:
        _say("stopping")
        return 0
    except subprocess.CalledProcessError as exc:
        _say(f"setup step failed: {exc}")
        return 1
    finally:
        stop()


def _demo_commands(flask: list[str], env: dict) -> str:
    out = subprocess.run([*flask, "demo", "--help"], env=env, capture_output=True, text=True)
    return out.stdout


def _banner(port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    lines = [
        "",
        "12345 hotline platform is up (Ctrl-C stops everything started here)",
        f"  Sign in         {base}/   (one sign-in for every web area)",
        f"  City desk       {base}/desk/     agents, dispatchers, city supervisors",
        f"  Department web  {base}/dept/     handlers of the departments",
        f"  Province        {base}/province/ province supervisors and admins",
        f"  API docs        {base}/api/docs   (OpenAPI: {base}/api/openapi.json)",
        f"  Health          {base}/healthz  {base}/readyz",
        f"  Metrics         {base}/metrics",
        f"  Dev IdP         {base}/idp/realms/hotline/.well-known/openid-configuration",
        "  Demo logins     password 'demo' for all:",
        "                  province.admin, province.supervisor",
        "                  agent@shijiazhuang, dispatcher@shijiazhuang, city_supervisor@shijiazhuang",
        "                  handler.zjj@shijiazhuang (also cgj, sthjj, scjgj, rsj) - same for every city",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
