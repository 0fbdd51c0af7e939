"""``make run``: everything up on embedded defaults, demo province seeded.

Starts embedded PostgreSQL/Redis when their URLs are unset, migrates, provisions and
seeds the demo province, then runs gunicorn, an rq worker and the scheduler.

Stopping (docs/architecture.md §13): the first Ctrl-C (or SIGTERM, SIGHUP) stops the children
gracefully, a second one kills them at once; neither interrupts stopping the embedded servers,
which always runs to its end. Children live in their own sessions (a terminal's Ctrl-C reaches
only this process) and get SIGTERM if this process dies. ``instance/.run.lock`` marks the run
that owns the embedded servers: a start after a crash adopts the servers it finds and stops
them at its own exit.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .config import ConfigError, Settings, StartupError

GRACE_SECONDS = 15


def _say(msg: str) -> None:
    print(f"[make run] {msg}", flush=True)


class Signals:
    """Counts stop requests; the handlers only count, so nothing is interrupted half-way."""

    def __init__(self) -> None:
        self.count = 0

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame) -> None:
        self.count += 1
        if self.count == 1:
            _say(f"{signal.Signals(signum).name}: stopping (again to stop at once)")
        elif self.count == 2:
            _say("stopping at once: killing the web server, worker and scheduler")
        else:
            _say("still stopping the embedded servers; they are never left running")

    @property
    def stop(self) -> bool:
        return self.count > 0


def _die_with_parent() -> None:
    """In the child, before exec: a new session, and SIGTERM when make run dies (Linux)."""
    os.setsid()
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _spawn(cmd: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, preexec_fn=_die_with_parent)  # single-threaded


def _stop_children(children: list[subprocess.Popen], signals: Signals) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while any(c.poll() is None for c in children) and time.monotonic() < deadline and signals.count < 2:
        time.sleep(0.1)
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait()


def _step(cmd: list[str], env: dict, signals: Signals) -> bool:
    """Run a setup step to its end; False if a stop was requested meanwhile (the step is stopped)."""
    child = _spawn(cmd, env)
    while child.poll() is None:
        if signals.stop:
            _stop_children([child], signals)
            return False
        time.sleep(0.1)
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, cmd)
    return True


def main() -> int:
    signals = Signals()
    signals.install()
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        _say(f"cannot start: {exc}")
        return 1
    from . import embedded, logs, startup

    logs.configure(settings.log_level, settings.log_format)

    instance = Path(settings.instance_path)
    env = dict(os.environ)
    children: list[subprocess.Popen] = []
    lock = None
    try:
        if not settings.database_url or not settings.redis_url:
            lock = embedded.claim_instance(instance)
        if not settings.database_url:
            _say(f"DATABASE_URL unset: embedded PostgreSQL in {embedded.postgres_dir(instance)}")
            env["DATABASE_URL"], _ = embedded.ensure_postgres(instance)
        else:
            startup.check_database(settings.database_url)
        if not settings.redis_url:
            _say(f"REDIS_URL unset: embedded Redis in {embedded.redis_dir(instance)}")
            env["REDIS_URL"], _ = embedded.ensure_redis(instance)
        else:
            startup.check_redis(settings.redis_url)
        return _serve(settings, env, children, signals)
    except (ConfigError, StartupError) as exc:
        _say(f"cannot start: {exc}")
        return 1
    except subprocess.CalledProcessError as exc:
        _say(f"setup step failed: {' '.join(['flask', *exc.cmd[3:]])} (exit {exc.returncode})")
        return 1
    finally:
        _stop_children(children, signals)
        if lock is not None:  # we own the embedded servers: started now or adopted after a crash
            if not settings.redis_url:
                _say("stopping embedded Redis")
                embedded.stop_redis(instance)
            if not settings.database_url:
                _say("stopping embedded PostgreSQL")
                embedded.stop_postgres(instance)
            lock.close()


def _serve(settings: Settings, env: dict, children: list[subprocess.Popen], signals: Signals) -> int:
    port = int(env.get("PORT", "8000"))
    env.setdefault("PUBLIC_URL", f"http://127.0.0.1:{port}")
    metrics_dir = Path(settings.instance_path) / "prometheus"
    shutil.rmtree(metrics_dir, ignore_errors=True)  # samples of a previous run's processes
    metrics_dir.mkdir(parents=True)
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    _say("migrating the province and every tenant schema")
    if not _step([*flask, "tenants", "migrate", "--all", "--jobs", "2"], env, signals):
        return 0
    cities = ["--tenants", env["DEMO_CITIES"]] if env.get("DEMO_CITIES") else []  # a quicker start
    _say(f"provisioning the demo province (河北省: {env.get('DEMO_CITIES') or 'all 11 cities'})")
    if not _step([*flask, "demo", "provision", *cities], env, signals):
        return 0
    seed = Path(settings.instance_path) / ".demo-seeded"
    orders = env.get("DEMO_ORDERS", "300")
    if not seed.exists() and orders != "0":
        _say("seeding demo orders in every city (first run only)")
        if not _step([*flask, "demo", "seed", "--orders", orders, *cities], env, signals):
            return 0
        seed.write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))
    simulator = _emergency_simulator(flask, env, signals, settings)
    if simulator is False:
        return 0
    if not _start_utility_simulator(settings, env, children, signals, port):
        return 0
    gunicorn = [sys.executable, "-m", "gunicorn", "wsgi:app", "--config", "python:app.serving"]
    gunicorn += ["--bind", f"127.0.0.1:{port}", "--workers", env.get("WEB_WORKERS", "2"), "--threads", "4"]
    children.append(_spawn(gunicorn, env))
    children.append(_spawn([*flask, "worker"], env))
    children.append(_spawn([*flask, "scheduler"], env))
    if simulator:
        children.append(_spawn(simulator, env))
    _banner(
        port,
        env.get("EMERGENCY_SIM_PORT", "8110") if simulator else None,
        env.get("UTILITY_SIMULATOR_PORT", ""),
    )
    while not signals.stop:
        if any(child.poll() is not None for child in children):
            _say("a process exited; stopping the rest")
            return 1
        time.sleep(0.2)
    return 0


def _emergency_simulator(flask: list[str], env: dict, signals: Signals, settings: Settings):
    """The 110/119/120/122 platform simulator for every demo city (docs/integrations.md): the
    cities' platform endpoints point at it, so escalations on the desk are acknowledged.
    ``EMERGENCY_SIMULATOR=0`` leaves the endpoints as they are. Returns its command, None or False."""
    if env.get("EMERGENCY_SIMULATOR", "1") == "0":
        return None
    sim_port = env.get("EMERGENCY_SIM_PORT", "8110")
    config = Path(settings.instance_path) / "emergency-simulator.json"
    _say(f"pointing the demo cities' 110/119/120/122 platforms at the simulator (port {sim_port})")
    cmd = [
        *flask,
        "emergency",
        "simulator-config",
        "--url",
        f"http://127.0.0.1:{sim_port}",
        "--out",
        str(config),
    ]
    if not _step(cmd, env, signals):
        return False
    return [
        sys.executable,
        "-m",
        "integrations.simulators.emergency",
        "--config",
        str(config),
        "--port",
        sim_port,
    ]


def _start_utility_simulator(settings, env: dict, children: list, signals: Signals, port: int) -> bool:
    """The demo city's water and power companies answer dispatches from a simulated system
    (integrations/simulators/utility.py): started here, its endpoints configured by ``demo utilities``."""
    secret_file = Path(settings.instance_path) / "utility-simulator.secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(32))
        secret_file.chmod(0o600)
    sim_port = int(env.get("UTILITY_SIMULATOR_PORT") or _free_port(port + 61))
    env["UTILITY_SIMULATOR_PORT"] = str(sim_port)
    sim_env = {**env, "UTILITY_SIMULATOR_SECRET": secret_file.read_text().strip()}
    simulator = [sys.executable, "-m", "integrations.simulators.utility", "--port", str(sim_port)]
    children.append(_spawn(simulator, sim_env))
    url = f"http://127.0.0.1:{sim_port}/messages"
    cities = ["--tenant", env["DEMO_CITIES"].split(",")[0]] if env.get("DEMO_CITIES") else []
    return _step(
        [sys.executable, "-m", "flask", "--app", "wsgi", "demo", "utilities", "--url", url, *cities],
        sim_env,
        signals,
    )


def _free_port(preferred: int) -> int:
    """``preferred`` when nothing listens there, else one the kernel picks."""
    for candidate in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", candidate if candidate < 65536 else 0))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise StartupError("no free port for the utility simulator")


def _banner(port: int, sim_port: str | None = None, utility_port: str = "") -> None:
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
        *(
            [f"  110/119/120/122 http://127.0.0.1:{sim_port}/state  (emergency platform simulator)"]
            if sim_port
            else []
        ),
        f"  Utility sim     http://127.0.0.1:{utility_port}/state"
        "   water (zlsgs) and power (gdgs) answer dispatches",
        "  Demo logins     password 'demo' for all:",
        "                  province.admin, province.supervisor",
        "                  agent@shijiazhuang, dispatcher@shijiazhuang, city_supervisor@shijiazhuang",
        "                  handler.zjj@shijiazhuang (also cgj, sthjj, scjgj, rsj) - same for every city",
        "                  province.kb_editor, kb_editor@shijiazhuang, kb_editor.zjj@shijiazhuang (zjj only)",
        "  Service accounts client credentials, secret '<client_id>-dev-secret':",
        "                  api-demo-shijiazhuang (api_client), partner-demo-shijiazhuang (data_partner)",
        f"                  third parties: {base}/province/admin/clients (province.admin)",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
