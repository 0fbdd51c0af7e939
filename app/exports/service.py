"""Background exports (后台导出): large tables written by an rq job into ``province.export_files``.

``request`` records who asks (their username and, for a city user, their city) and enqueues
``build`` on the ``reports`` queue; the job writes the file from a registered table builder,
noting progress in its own short transactions so a polling page shows a progress bar. Only the
requester downloads it (``for_owner``), until it expires (``EXPIRES``; ``purge_expired`` runs
hourly). Builders read the PII-free province layer, so a file cannot carry a caller's name or
phone; a city user's builder is narrowed to their city. See docs/portal.md (Exports).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from tenants import db

from ..auth.policy import require
from ..auth.principal import Principal
from ..errors import DomainError, NotFound
from ..jobs.runner import enqueue
from . import formats
from .models import DONE, FAILED, QUEUED, RUNNING, ExportFile

log = logging.getLogger(__name__)
EXPIRES = timedelta(hours=24)
MAX_ROWS = 1_000_000  # an Excel sheet holds 1,048,576 rows; beyond this the filters must narrow it
ERROR_CHARS = 2000

Builder = Callable[[dict, str | None], tuple[list[str], int, Iterator[list]]]
_tables: dict[str, tuple[str, Builder]] = {}


def register(kind: str, permission: str, builder: Builder) -> None:
    """A table that can be exported in the background (from the app factory)."""
    _tables[kind] = (permission, builder)


class Gone(DomainError):
    status = 410


def request(principal: Principal, kind: str, fmt: str, params: dict) -> ExportFile:
    """Record an export for ``principal`` and enqueue it after the commit (the caller commits)."""
    if kind not in _tables or fmt not in formats.FORMATS:
        raise DomainError(f"table is one of {', '.join(sorted(_tables))}, format csv or xlsx", status=422)
    require(principal, _tables[kind][0])
    row = ExportFile(
        owner=principal.username,
        owner_tenant=None if principal.is_province else principal.tenant,
        kind=kind,
        fmt=fmt,
        params=params,
        status=QUEUED,
        done_rows=0,
        expires_at=datetime.now(UTC) + EXPIRES,
    )
    db.session.add(row)
    db.session.flush()
    export_id = row.id
    db.after_commit(lambda: enqueue(build, export_id, queue_name="reports", tenant=None, retry=None))
    return row


def for_owner(principal: Principal, export_id: int) -> ExportFile:
    """The export if ``principal`` asked for it (another user's is a 404: not even its existence)."""
    row = db.session.get(ExportFile, export_id)
    tenant = None if principal.is_province else principal.tenant
    if row is None or row.owner != principal.username or row.owner_tenant != tenant:
        raise NotFound(f"no export {export_id}")
    return row


def download(principal: Principal, export_id: int) -> tuple[ExportFile, bytes]:
    row = for_owner(principal, export_id)
    require(principal, _tables[row.kind][0])  # still allowed to read that table today
    if row.expires_at <= datetime.now(UTC):
        raise Gone(f"export {export_id} has expired; export again")
    if row.status != DONE:
        raise DomainError(f"export {export_id} is not ready ({row.status})", status=409)
    return row, db.session.scalar(select(ExportFile.file_bytes).where(ExportFile.id == export_id))


def mine(principal: Principal, limit: int = 20) -> list[ExportFile]:
    stmt = (
        select(ExportFile)
        .where(ExportFile.owner == principal.username, ExportFile.expires_at > datetime.now(UTC))
        .order_by(ExportFile.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def _note(export_id: int, **values) -> None:
    """Progress, written at once outside the job's unit of work so the polling page sees it."""
    with db.engine.begin() as conn:
        conn.execute(update(ExportFile.__table__).where(ExportFile.id == export_id).values(**values))


def build(export_id: int) -> str:
    """The rq job (queue ``reports``): write the file, or record why it could not be written."""
    row = db.session.get(ExportFile, export_id)
    if row is None or row.status in (DONE, FAILED):
        return row.status if row else "missing"  # delivered twice, or purged
    try:
        _permission, builder = _tables[row.kind]
        head, total, rows = builder(dict(row.params), row.owner_tenant)
        if total > MAX_ROWS:
            raise DomainError(f"{total} rows: at most {MAX_ROWS} are exported at once; narrow the filters")
        _note(export_id, status=RUNNING, total_rows=total)
        data = formats.write(row.fmt, row.kind, head, rows, lambda n: _note(export_id, done_rows=n))
    except Exception as exc:  # shown on the export's page; nothing half-written is kept
        _note(export_id, status=FAILED, error=str(exc)[:ERROR_CHARS], finished_at=datetime.now(UTC))
        log.warning("export %s (%s) failed: %s", export_id, row.kind, type(exc).__name__)
        return FAILED
    _note(export_id, status=DONE, file_bytes=data, finished_at=datetime.now(UTC))
    log.info("export %s (%s, %s rows) written", export_id, row.kind, total)
    return DONE


def purge_expired() -> int:
    """Delete expired files (scheduled hourly)."""
    result = db.session.execute(delete(ExportFile).where(ExportFile.expires_at <= datetime.now(UTC)))
    return result.rowcount or 0
