{{/* gunicorn.conf.py of the web pods; tests/helm runs it with the real app. */}}
{{- define "hotline.gunicornConfig" -}}
{{- $g := .Values.web.gunicorn -}}
"""gunicorn settings of the web pods (rendered by the hotline Helm chart)."""

import os
import shutil

bind = ["0.0.0.0:{{ .Values.web.port }}"]
workers = {{ $g.workers }}
threads = {{ $g.threads }}
worker_class = "gthread"
timeout = {{ $g.timeout }}
graceful_timeout = {{ $g.gracefulTimeout }}
keepalive = {{ $g.keepAlive }}
forwarded_allow_ips = {{ $g.forwardedAllowIps | quote }}
worker_tmp_dir = "/tmp"
# JSON error log through the app's handler; no access log: the app logs every request as JSON
# with its request id, tenant, user and route (app/serving.py).
logger_class = "app.serving.GunicornLogger"
accesslog = None
errorlog = "-"

_METRICS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    """PostgreSQL and Redis answer (else one line and exit); then an empty metrics directory."""
    from app.serving import check_services

    check_services(server)
    if _METRICS_DIR:  # files of processes from before a restart would count forever
        shutil.rmtree(_METRICS_DIR, ignore_errors=True)
        os.makedirs(_METRICS_DIR, exist_ok=True)


def child_exit(server, worker):
    """Drop a dead worker's live gauges (prometheus_client multiprocess mode)."""
    if _METRICS_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
{{- end }}
