"""Enqueue a function for a tenant; the wrapper restores that tenant when it runs.

Jobs are referred to by dotted path, so a job survives a deploy that moves nothing,
and the wrapper commits the job's unit of work or rolls it back and re-raises (rq
then applies the job's ``Retry``). Nothing is swallowed.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context
from rq import Queue, Retry, get_current_job
from rq.job import Job

from tenants import current_tenant_or_none, db, tenant_context

from ..extensions import redis_client
from ..logs import job_context

log = logging.getLogger(__name__)

QUEUES = ("default", "sla", "outbox", "reports", "embeddings")
DEFAULT_RETRY = Retry(max=3, interval=[5, 30, 120])

_app: Flask | None = None


def queue(name: str = "default") -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; queues are {', '.join(QUEUES)}")
    return Queue(name, connection=redis_client.conn)


def dotted(func: Callable | str) -> str:
    if isinstance(func, str):
        return func
    return f"{func.__module__}.{func.__qualname__}"


def enqueue(
    func: Callable | str,
    *args: Any,
    queue_name: str = "default",
    tenant: str | bool | None = True,
    retry: Retry | None = DEFAULT_RETRY,
    job_id: str | None = None,
    **kwargs: Any,
) -> Job:
    """Enqueue ``func(*args, **kwargs)``; ``tenant=True`` records the bound tenant."""
    if tenant is True:
        ref = current_tenant_or_none()
        tenant = ref.slug if ref else None
    return queue(queue_name).enqueue(
        run_job,
        args=(dotted(func), tenant or None, list(args), kwargs),
        retry=retry,
        job_id=job_id,
        meta={"tenant": tenant or None, "func": dotted(func)},
        description=f"{dotted(func)} [{tenant or 'province'}]",
    )


def _resolve(path: str) -> Callable:
    module, _, name = path.rpartition(".")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _application() -> Flask:
    global _app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def _current_job_id() -> str | None:
    job = get_current_job()
    return job.id if job is not None else None


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def run_job(func_path: str, tenant: str | None, args: list, kwargs: dict) -> Any:
    """What rq executes: enter the app and the recorded tenant, run, commit."""
    func = _resolve(func_path)
    app = _application()
    with app.app_context(), job_context(_current_job_id(), func_path, tenant):
        started = time.perf_counter()
        try:
            if tenant:
                with tenant_context(tenant):
                    result = func(*args, **kwargs)
                    db.session.commit()
            else:
                result = func(*args, **kwargs)
                db.session.commit()
            log.info("job %s done", func_path, extra={"duration_ms": _ms_since(started)})
            return result
        except Exception:
            db.session.rollback()
            took = {"duration_ms": _ms_since(started)}
            log.exception("job %s for %s failed", func_path, tenant or "province", extra=took)
            raise
        finally:
            db.remove()
