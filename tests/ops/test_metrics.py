"""A fresh worker's first concurrent requests create each metric once (found by the failover bench:
two gthread threads raced and one request answered 500 with DuplicateTimeseries)."""

from __future__ import annotations

import threading
import time

from prometheus_client import CollectorRegistry, Counter

from app import metrics


def test_concurrent_first_use_creates_a_metric_once():
    registry = CollectorRegistry()
    start = threading.Barrier(16)
    got, errors = [], []

    def factory():
        time.sleep(0.01)  # widen the window the race needs
        return Counter("hotline_race_probe_total", "probe", registry=registry)

    def first_use():
        start.wait()
        try:
            got.append(metrics._get("race-probe", factory))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len({id(m) for m in got}) == 1
