"""Prometheus metrics at /metrics: HTTP traffic, intake by channel, rq queue depth, outbox depth.

With ``PROMETHEUS_MULTIPROC_DIR`` set (``make run`` and the Helm chart set it), every gunicorn
worker writes its samples there and /metrics aggregates them; without it each process reports
its own. Labels use URL rules, never raw paths, so cardinality stays bounded.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)
_metrics: dict[str, object] = {}
_creating = threading.Lock()


def _get(name: str, factory):
    metric = _metrics.get(name)
    if metric is None:
        with _creating:  # once per process, even when a new worker's first requests race
            metric = _metrics.get(name)  # the registry refuses duplicates (a 500 otherwise)
            if metric is None:
                metric = _metrics[name] = factory()
    return metric


def http_requests() -> Counter:
    return _get(
        "requests",
        lambda: Counter(
            "hotline_http_requests_total",
            "HTTP requests by endpoint and status",
            ["method", "rule", "status"],
        ),
    )


def http_latency() -> Histogram:
    return _get(
        "latency",
        lambda: Histogram(
            "hotline_http_request_seconds",
            "HTTP request latency",
            ["method", "rule"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        ),
    )


def orders_received() -> Counter:
    return _get(
        "orders",
        lambda: Counter(
            "hotline_orders_received_total", "Orders taken (受理) by city and channel", ["tenant", "channel"]
        ),
    )


class QueueDepth:
    """rq queue lengths read from Redis at scrape time (no background thread)."""

    def collect(self):
        from ..jobs import QUEUES, queue

        family = GaugeMetricFamily("hotline_rq_queue_depth", "Jobs waiting per rq queue", labels=["queue"])
        try:
            for name in QUEUES:
                family.add_metric([name], queue(name).count)
        except Exception:  # Redis down: /readyz says so; metrics stay scrapeable
            return
        yield family


class OutboxDepth:
    """Pending and dead outbox messages per city and topic, read from the database at scrape time.

    Counted over partial indexes (pending lines, dead letters), never over delivered history.
    """

    def collect(self):
        from ..outbox import queries

        messages = GaugeMetricFamily(
            "hotline_outbox_messages",
            "Outbox messages not delivered, per city, topic and state (pending or dead)",
            labels=["tenant", "topic", "state"],
        )
        oldest = GaugeMetricFamily(
            "hotline_outbox_oldest_pending_seconds",
            "Age of the oldest pending outbox message per city (0: nothing pending)",
            labels=["tenant"],
        )
        try:
            for tenant, topic, state, count in queries.depth():
                messages.add_metric([tenant, topic, state], count)
            for tenant, seconds in queries.oldest_pending().items():
                oldest.add_metric([tenant], seconds)
        except Exception:  # database down: /readyz says so; metrics stay scrapeable
            log.warning("outbox gauges unavailable", exc_info=True)
            return
        yield messages
        yield oldest


blp = Blueprint("metrics", __name__)


@blp.get("/metrics")
def metrics() -> Response:
    """Prometheus exposition (keep it off the public ingress)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(_queue_registry())
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def _queue_registry() -> CollectorRegistry:
    def build():
        registry = CollectorRegistry(auto_describe=False)
        registry.register(QueueDepth())
        registry.register(OutboxDepth())
        return registry

    return _get("queue_registry", build)


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("metrics_started", None)
        if started is not None and request.endpoint != "metrics.metrics":
            rule = request.url_rule.rule if request.url_rule else "unmatched"
            http_requests().labels(request.method, rule, str(response.status_code)).inc()
            http_latency().labels(request.method, rule).observe(time.perf_counter() - started)
        return response
