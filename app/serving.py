"""gunicorn settings shared by ``make run`` (``--config python:app.serving``) and the Helm chart.

The error log is JSON like every other log line (app/logs.py); gunicorn's access log is off
because the app writes one line per request with its request id, tenant, user and route
(and without query strings, which may carry search terms). The master checks PostgreSQL and
Redis once before it forks workers, so a wrong URL ends the start in one line; a worker that
boots later during an outage serves 503s until the database is back instead.
"""

from __future__ import annotations

import os

from gunicorn.glogging import Logger

accesslog = None
errorlog = "-"
logger_class = "app.serving.GunicornLogger"


class GunicornLogger(Logger):
    """gunicorn's own lines (booting, worker exits, timeouts) through the app's JSON handler."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        from .logs import build_handler

        if cfg.errorlog == "-":
            for handler in list(self.error_log.handlers):
                self.error_log.removeHandler(handler)
            handler = build_handler(os.environ.get("LOG_FORMAT", "json").lower())
            handler._gunicorn = True  # type: ignore[attr-defined]  # gunicorn drops it on reload
            self.error_log.addHandler(handler)

    def access(self, resp, req, environ, request_time) -> None:
        """Off: the app's request log (app/logs.py) is the access log."""


def check_services(server=None) -> None:
    """``on_starting``: the configured PostgreSQL and Redis answer, else one line and exit 1."""
    from .startup import StartupError, check_database, check_redis, say

    try:
        if os.environ.get("DATABASE_URL"):
            check_database(os.environ["DATABASE_URL"])
        if os.environ.get("REDIS_URL"):
            check_redis(os.environ["REDIS_URL"])
    except StartupError as exc:
        say(str(exc))
        raise SystemExit(1) from None


on_starting = check_services
