"""An install, played on this machine: the rendered migration Job, web, scheduler and worker
commands run with exactly their pods' environment (APP_ENV=production) against a fresh database
and real Redis, in the order Helm and Kubernetes start them."""

from __future__ import annotations

import time
import urllib.request
import uuid
from urllib.error import HTTPError

import psycopg
import pytest
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry, FinishedJobRegistry
from sqlalchemy.engine import make_url

from app.jobs.runner import QUEUES
from tests.support.live import free_port

from . import pods
from .chart import PII_HASH, PII_KEY, Rendered, ci_values, setting

SECRETS_FROM_THE_OPERATOR = "hotline-ops"


@pytest.fixture(scope="module")
def database(services):
    """An empty database of its own: the Job must migrate it from nothing."""
    name = f"hotline_helm_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(services.admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(services.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def release(render_module, services, database, tmp_path_factory):
    """The chart rendered for this machine: PostgreSQL by parts (inline password), Redis, Flask
    and PII keys from an operator-managed Secret, a Keycloak that must never be called."""
    admin = make_url(services.admin_url)
    port = free_port()
    values = ci_values("existing-secrets")
    values = setting(values, "publicUrl", f"http://127.0.0.1:{port}")
    values = setting(values, "web.port", port)
    values = setting(values, "keycloak.url", "http://127.0.0.1:9")  # discard port: no Keycloak at all
    if admin.host:  # a TCP server: exercise parts mode
        values = setting(
            values,
            "database",
            {
                "host": admin.host,
                "port": admin.port or 5432,
                "user": admin.username,
                "name": database,
                "password": {"value": admin.password or "ignored-by-trust-auth"},
            },
        )
    else:  # the embedded server listens on a Unix socket only: give the whole URL
        url = admin.set(database=database).render_as_string(hide_password=False)
        values = setting(values, "database.url", {"value": url, "existingSecret": ""})
    values = setting(values, "redis.url.existingSecret", SECRETS_FROM_THE_OPERATOR)
    for path in ("keycloak.adminClient.secret", "secretKey", "pii.encryptionKey", "pii.hashKey"):
        values = setting(values, f"{path}.existingSecret", SECRETS_FROM_THE_OPERATOR)
    secrets = {
        SECRETS_FROM_THE_OPERATOR: {
            "redis-url": services.redis_url,
            "keycloak-admin-client-secret": "never-used-here",
            "secret-key": "helm-test-secret-key",
            "pii-encryption-key": PII_KEY,
            "pii-hash-key": PII_HASH,
        }
    }
    rendered = render_module(values)
    redis = Redis.from_url(services.redis_url)
    for name in QUEUES:
        Queue(name, connection=redis).empty()
    return rendered, secrets, tmp_path_factory.mktemp("pods"), redis, port


@pytest.fixture(scope="module")
def render_module():
    from .chart import Renderer

    renderer = Renderer()
    yield renderer
    renderer.close()


@pytest.fixture(scope="module")
def migrated(release, services, database):
    rendered, secrets, scratch, _, _ = release
    job = pods.start(rendered, "Job", "hotline-migrate", scratch, secrets=secrets)
    assert job.proc.wait(120) == 0, job.output()
    out = job.output()
    assert "failed" in out and " 0 failed" in out, out
    return out


def test_the_hook_job_migrates_an_empty_database_and_reruns_as_a_no_op(release, migrated, services, database):
    rendered, secrets, scratch, _, _ = release
    url = make_url(services.admin_url).set(database=database).render_as_string(hide_password=False)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM province.tenants").fetchone() == (0,)
    again = pods.start(rendered, "Job", "hotline-migrate", scratch / "again", secrets=secrets)
    assert again.proc.wait(120) == 0
    assert "0 migrated, 0 failed" in again.output()  # pre-upgrade on an unchanged schema


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except HTTPError as exc:
        return exc.code, exc.read().decode()


def test_web_serves_probes_and_metrics_under_the_rendered_gunicorn_config(release, migrated):
    rendered, secrets, scratch, _, port = release
    web_spec = rendered.get("Deployment", "hotline-web")["spec"]["template"]["spec"]
    # samples of a process from before a container restart: gunicorn's on_starting clears them
    stale = scratch / "hotline-web" / "tmp" / "metrics" / "counter_999999.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"junk from a previous container")
    web = pods.start(rendered, "Deployment", "hotline-web", scratch, secrets=secrets)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # the startupProbe's budget
        while True:
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert web.proc.poll() is None, web.output()
            assert time.monotonic() < deadline, "gunicorn did not come up"
            time.sleep(0.2)
        status, body = _get(base + "/readyz")
        assert status == 200, body
        assert '"database":"ok"' in body.replace(" ", "") and '"redis":"ok"' in body.replace(" ", "")
        for _ in range(6):  # spread over both gunicorn workers
            _get(base + "/healthz")
        status, metrics = _get(base + "/metrics")
        assert status == 200
        assert 'hotline_http_requests_total{method="GET",rule="/healthz",status="200"}' in metrics
        assert not stale.exists()
    finally:
        code = web.stop(timeout=web_spec["terminationGracePeriodSeconds"])
    assert code == 0, web.output()


def test_the_scheduler_enqueues_and_the_worker_groups_drain_every_queue(release, migrated):
    rendered, secrets, scratch, redis, _ = release
    scheduler_spec = rendered.get("Deployment", "hotline-scheduler")["spec"]["template"]["spec"]
    scheduler = pods.start(rendered, "Deployment", "hotline-scheduler", scratch, secrets=secrets)
    queues = {name: Queue(name, connection=redis) for name in QUEUES}
    try:
        deadline = time.monotonic() + 60
        while sum(q.count for q in queues.values()) < 3:  # relay, sweep, seal: due at start
            assert scheduler.proc.poll() is None, scheduler.output()
            assert time.monotonic() < deadline, "the scheduler enqueued nothing"
            time.sleep(0.2)
    finally:
        assert scheduler.stop(timeout=scheduler_spec["terminationGracePeriodSeconds"]) == 0
    enqueued = {name: q.job_ids for name, q in queues.items() if q.count}
    assert {"outbox", "sla", "default"} <= set(enqueued)

    groups = [
        d["metadata"]["name"] for d in rendered.all("Deployment") if "-worker-" in d["metadata"]["name"]
    ]
    workers = [
        pods.start(rendered, "Deployment", name, scratch, secrets=secrets, extra_args=("--burst",))
        for name in groups
    ]
    for worker in workers:
        assert worker.proc.wait(120) == 0, worker.output()
    assert all(q.count == 0 for q in queues.values())
    for name, job_ids in enqueued.items():
        assert FailedJobRegistry(name, connection=redis).get_job_ids() == []
        assert set(job_ids) <= set(FinishedJobRegistry(name, connection=redis).get_job_ids())


def test_the_rendered_env_refuses_to_start_without_a_credential(release, migrated):
    """Sanity of the harness: the same pod without PII_HASH_KEY fails at once, as production must."""
    rendered, secrets, scratch, _, _ = release
    broken = Rendered(dict(rendered.files))
    job = broken.get("Job", "hotline-migrate")
    container = job["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [e for e in container["env"] if e["name"] != "PII_HASH_KEY"]
    pod = pods.start(broken, "Job", "hotline-migrate", scratch / "broken", secrets=secrets)
    assert pod.proc.wait(60) != 0
    assert "PII_HASH_KEY" in pod.output()
