"""What the chart deploys: web, worker groups, one scheduler, the migration hook, the edges."""

from __future__ import annotations

import pytest

from app.jobs.runner import QUEUES

from .chart import RenderError, setting

HOOK = "helm.sh/hook"


def command(workload) -> list[str]:
    return workload["spec"]["template"]["spec"]["containers"][0]["command"]


def pod(workload) -> dict:
    return workload["spec"]["template"]["spec"]


def test_one_worker_deployment_per_enabled_group(render, prod_values):
    values = setting(
        prod_values,
        "workers.bulk",
        {"enabled": True, "queues": ["reports", "embeddings", "sla"], "replicas": 3},
    )
    rendered = render(setting(values, "workers.reports.enabled", False))
    workers = {
        d["metadata"]["name"]: d for d in rendered.all("Deployment") if "-worker-" in d["metadata"]["name"]
    }
    assert set(workers) == {"hotline-worker-default", "hotline-worker-sla", "hotline-worker-bulk"}
    bulk = workers["hotline-worker-bulk"]
    assert command(bulk) == ["flask", "--app", "wsgi", "worker", "--queues", "reports,embeddings,sla"]
    assert bulk["spec"]["replicas"] == 3
    assert command(workers["hotline-worker-default"])[-1] == "default,outbox"
    # rq finishes the running job on SIGTERM: the grace period covers rq's 180 s default timeout
    assert all(pod(d)["terminationGracePeriodSeconds"] > 180 for d in workers.values())
    selectors = [
        d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] for d in workers.values()
    ]
    assert len(set(selectors)) == len(selectors)  # groups never adopt each other's pods


def test_the_default_groups_consume_every_queue_the_app_has(render, prod_values):
    rendered = render(prod_values)
    consumed = {
        q
        for d in rendered.all("Deployment")
        if "-worker-" in d["metadata"]["name"]
        for q in command(d)[-1].split(",")
    }
    assert consumed == set(QUEUES)


def test_a_queue_nobody_consumes_fails_the_render(render, prod_values):
    with pytest.raises(RenderError, match='no enabled worker group consumes the "reports" queue'):
        render(setting(prod_values, "workers.reports.enabled", False))


def test_exactly_one_scheduler_replaced_by_recreate(render, prod_values):
    values = setting(setting(prod_values, "web.replicas", 6), "workers.default.replicas", 5)
    scheduler = render(setting(values, "web.autoscaling.enabled", True)).get(
        "Deployment", "hotline-scheduler"
    )
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"] == {"type": "Recreate"}  # never two during a rollout
    assert command(scheduler) == ["flask", "--app", "wsgi", "scheduler"]


def test_migrations_run_in_a_pre_install_pre_upgrade_hook_job(render, prod_values):
    rendered = render(setting(prod_values, "migrations.jobs", 6))
    job = rendered.get("Job", "hotline-migrate")
    annotations = job["metadata"]["annotations"]
    assert annotations[HOOK] == "pre-install,pre-upgrade"
    assert command(job) == [
        "flask", "--app", "wsgi", "tenants", "migrate", "--all", "--jobs", "6", "--lock-timeout", "5s",
    ]  # fmt: skip
    assert job["spec"]["backoffLimit"] == 3 and job["spec"]["activeDeadlineSeconds"] == 900
    assert pod(job)["restartPolicy"] == "Never"
    # no migration anywhere else: web pods start on an already migrated database
    for workload, container in rendered.containers():
        if workload is not job:
            assert "migrate" not in container["command"]


def test_the_hook_job_only_uses_what_exists_before_the_release(render, inline_values):
    """A pre-install hook runs before the release's ConfigMap, Secret and ServiceAccount exist."""
    rendered = render(inline_values)
    job = rendered.get("Job", "hotline-migrate")
    weight = int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
    hooks = {
        (o["kind"], o["metadata"]["name"]): o
        for o in rendered.objects
        if HOOK in o["metadata"].get("annotations", {}) and o is not job
    }
    assert {
        ("ConfigMap", "hotline-migrate"),
        ("Secret", "hotline-migrate"),
        ("ServiceAccount", "hotline-migrate"),
    } == set(hooks)
    for obj in hooks.values():
        assert int(obj["metadata"]["annotations"]["helm.sh/hook-weight"]) < weight
        assert "before-hook-creation" in obj["metadata"]["annotations"]["helm.sh/hook-delete-policy"]
    container = pod(job)["containers"][0]
    assert pod(job)["serviceAccountName"] == "hotline-migrate"
    assert [s["configMapRef"]["name"] for s in container["envFrom"]] == ["hotline-migrate"]
    assert {e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e} == {
        "hotline-migrate"
    }
    web = rendered.get("Deployment", "hotline-web")["spec"]["template"]["spec"]["containers"][0]
    job_env = {e["name"] for e in container["env"]}
    assert job_env == {e["name"] for e in web["env"]} - {"PROMETHEUS_MULTIPROC_DIR"}


def test_the_hook_job_with_an_existing_service_account(render, prod_values):
    values = setting(
        setting(prod_values, "serviceAccount.create", False), "serviceAccount.name", "hotline-sa"
    )
    rendered = render(values)
    assert pod(rendered.get("Job", "hotline-migrate"))["serviceAccountName"] == "hotline-sa"
    assert pod(rendered.get("Deployment", "hotline-web"))["serviceAccountName"] == "hotline-sa"
    assert rendered.all("ServiceAccount") == []


def test_web_runs_gunicorn_with_probes_and_a_pdb(render, prod_values):
    rendered = render(prod_values)
    web = rendered.get("Deployment", "hotline-web")
    container = pod(web)["containers"][0]
    assert container["command"] == ["gunicorn", "--config", "/etc/hotline/gunicorn.conf.py", "wsgi:app"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["limits"]["memory"]
    assert web["spec"]["replicas"] == 2 and not rendered.all("HorizontalPodAutoscaler")
    pdb = rendered.get("PodDisruptionBudget", "hotline-web")
    assert pdb["spec"] == {"minAvailable": 1, "selector": web["spec"]["selector"]}
    service = rendered.get("Service", "hotline")
    assert service["spec"]["selector"] == web["spec"]["selector"]["matchLabels"]
    gunicorn = rendered.get("ConfigMap", "hotline-gunicorn")["data"]["gunicorn.conf.py"]
    compile(gunicorn, "gunicorn.conf.py", "exec")
    assert 'bind = ["0.0.0.0:8000"]' in gunicorn and "workers = 2" in gunicorn


def test_autoscaling_takes_over_the_replica_count(render, prod_values):
    values = setting(prod_values, "web.autoscaling", {"enabled": True, "minReplicas": 3, "maxReplicas": 12})
    rendered = render(values)
    assert "replicas" not in rendered.get("Deployment", "hotline-web")["spec"]
    hpa = rendered.get("HorizontalPodAutoscaler", "hotline-web")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 12)
    assert hpa["spec"]["scaleTargetRef"]["name"] == "hotline-web"
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]


def test_pdb_with_max_unavailable(render, prod_values):
    pdb = render(setting(prod_values, "web.podDisruptionBudget.maxUnavailable", "25%"))
    assert pdb.get("PodDisruptionBudget", "hotline-web")["spec"]["maxUnavailable"] == "25%"
    assert not render(setting(prod_values, "web.podDisruptionBudget.enabled", False)).all(
        "PodDisruptionBudget"
    )


def test_every_pod_is_non_root_with_a_read_only_root_and_a_tmp_emptydir(render, inline_values):
    rendered = render(inline_values)
    for workload, container in rendered.containers():
        spec = pod(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["automountServiceAccountToken"] is False
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
        assert {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}} in spec["volumes"]


def test_image_and_scheduling_knobs(render, prod_values):
    values = setting(prod_values, "image.digest", "sha256:" + "a" * 64)
    values = setting(values, "nodeSelector", {"pool": "general"})
    values = setting(values, "workers.reports.nodeSelector", {"pool": "batch"})
    values = setting(values, "tolerations", [{"key": "dedicated", "operator": "Exists"}])
    values = setting(values, "podAnnotations", {"team": "hotline"})
    values = setting(values, "web.podAnnotations", {"team": "web"})
    values = setting(values, "extraEnv", [{"name": "HTTPS_PROXY", "value": "http://proxy:3128"}])
    values = setting(values, "imagePullSecrets", [{"name": "regcred"}])
    rendered = render(values)
    for workload, container in rendered.containers():
        spec = pod(workload)
        name = workload["metadata"]["name"]
        assert container["image"] == "registry.example.gov.cn/hotline/hotline12345@sha256:" + "a" * 64
        assert spec["nodeSelector"] == (
            {"pool": "batch"} if name.endswith("reports") else {"pool": "general"}
        )
        assert spec["tolerations"] == [{"key": "dedicated", "operator": "Exists"}]
        assert spec["imagePullSecrets"] == [{"name": "regcred"}]
        assert {"name": "HTTPS_PROXY", "value": "http://proxy:3128"} in container["env"]
        team = workload["spec"]["template"]["metadata"]["annotations"]["team"]
        assert team == ("web" if name.endswith("-web") else "hotline")


def test_config_changes_roll_the_pods(render, prod_values):
    before = render(prod_values).get("Deployment", "hotline-worker-sla")
    after = render(setting(prod_values, "logLevel", "DEBUG")).get("Deployment", "hotline-worker-sla")
    key = "checksum/config"
    assert (
        before["spec"]["template"]["metadata"]["annotations"][key]
        != after["spec"]["template"]["metadata"]["annotations"][key]
    )


def test_ingress_defaults_to_the_public_url_host(render, prod_values):
    ingress = render(prod_values).get("Ingress", "hotline")
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == "12345.hebei.gov.cn"
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "hotline", "port": {"name": "http"}}
    assert ingress["spec"]["tls"] == [{"secretName": "hotline-tls", "hosts": ["12345.hebei.gov.cn"]}]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    values = setting(
        prod_values, "ingress.hosts", [{"host": "hotline.internal", "paths": [{"path": "/api"}]}]
    )
    rule = render(values).get("Ingress", "hotline")["spec"]["rules"][0]
    assert (rule["host"], rule["http"]["paths"][0]["path"], rule["http"]["paths"][0]["pathType"]) == (
        "hotline.internal", "/api", "Prefix",
    )  # fmt: skip


def test_network_policies(render, prod_values):
    assert not render(prod_values).all("NetworkPolicy")
    peers = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]
    values = setting(setting(prod_values, "networkPolicy.enabled", True), "networkPolicy.ingressFrom", peers)
    values = setting(
        values, "networkPolicy.egress", {"enabled": True, "rules": [{"ports": [{"port": 5432}]}]}
    )
    rendered = render(values)
    web = rendered.get("NetworkPolicy", "hotline-web")
    assert web["spec"]["ingress"] == [{"ports": [{"port": "http", "protocol": "TCP"}], "from": peers}]
    background = rendered.get("NetworkPolicy", "hotline-background")
    assert "ingress" not in background["spec"] and background["spec"]["policyTypes"] == ["Ingress"]
    egress = rendered.get("NetworkPolicy", "hotline-egress")["spec"]["egress"]
    assert egress[-1] == {"ports": [{"port": 5432}]} and egress[0]["ports"][0]["port"] == 53


def test_metrics_dir_and_service_monitor(render, prod_values):
    rendered = render(setting(prod_values, "metrics.serviceMonitor.enabled", True))
    web = pod(rendered.get("Deployment", "hotline-web"))["containers"][0]
    assert {"name": "PROMETHEUS_MULTIPROC_DIR", "value": "/tmp/metrics"} in web["env"]
    monitor = rendered.get("ServiceMonitor", "hotline")
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    off = render(setting(prod_values, "metrics.enabled", False)).get("Deployment", "hotline-web")
    assert "PROMETHEUS_MULTIPROC_DIR" not in {e["name"] for e in pod(off)["containers"][0]["env"]}


def test_notes_tell_how_to_reach_and_operate_the_release(render, prod_values):
    notes = render(prod_values).notes
    assert "https://12345.hebei.gov.cn" in notes
    assert "logs job/hotline-migrate" in notes
    assert "tenants create" in notes and "Back up the PII keys" in notes
