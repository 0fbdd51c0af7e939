"""Liveness and readiness probes (Kubernetes, load balancers)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from ..extensions import db, redis_client

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    """The process is up; no dependency is touched."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz():
    """Ready when PostgreSQL and Redis answer; 503 names what is down."""
    checks: dict[str, str] = {}
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"down: {type(exc).__name__}"
    try:
        redis_client.conn.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"down: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ready" if ready else "unavailable", checks=checks), (200 if ready else 503)
