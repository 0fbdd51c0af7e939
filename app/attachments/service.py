"""Checking, storing and listing reply attachments.

``check`` refuses what is not allowed before anything is written: at most ``MAX_FILES``
files, each at most ``attachment_max_bytes``, of a type recognised from the content (PDF,
images, Office documents) whose name ends as that type does. ``attach`` stores the bytes
and records a row and an audit entry in the caller's transaction; when that transaction
ends without a commit, the stored files are deleted again.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import uuid
from dataclasses import dataclass
from typing import BinaryIO

import filetype
from flask import Flask, current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tenants import current_tenant, db

from ..audit import service as audit
from ..auth.principal import Principal
from ..errors import DomainError, NotFound
from .models import ReplyAttachment
from .storage import AttachmentStorage, DiskStorage

log = logging.getLogger(__name__)

MAX_FILES = 5
ALLOWED: dict[str, tuple[str, ...]] = {  # detected type -> file name endings
    "application/pdf": ("pdf",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
}
_SAVED = "attachments_saved"


class AttachmentRefused(DomainError):
    status = 422


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    extension: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def storage() -> AttachmentStorage:
    return current_app.extensions["attachment_storage"]


def _clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    return name[:200] or "attachment"


def check(files: list) -> list[Upload]:
    """The uploads of a form (``FileStorage`` objects), checked; refuses the whole lot on one bad file."""
    files = [f for f in files if f is not None and f.filename]
    if len(files) > MAX_FILES:
        raise AttachmentRefused(f"at most {MAX_FILES} attachments per reply")
    limit = current_app.extensions["settings"].attachment_max_bytes
    out = []
    for f in files:
        name = _clean_name(f.filename)
        data = f.read(limit + 1)
        if len(data) > limit:
            raise AttachmentRefused(f"{name} is larger than {limit // (1024 * 1024)} MiB")
        if not data:
            raise AttachmentRefused(f"{name} is empty")
        kind = filetype.guess(data)
        if kind is None or kind.mime not in ALLOWED:
            raise AttachmentRefused(f"{name}: only PDF, PNG, JPEG, DOCX and XLSX files are accepted")
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in ALLOWED[kind.mime]:
            raise AttachmentRefused(
                f"{name}: the content is {kind.extension.upper()}, the name says otherwise"
            )
        out.append(Upload(name, kind.mime, ext, data))
    return out


def attach(principal: Principal, order_id: int, action: str, uploads: list[Upload]) -> list[ReplyAttachment]:
    from ..orders.service import actor_of

    rows = []
    for u in uploads:
        key = f"{current_tenant().slug}/{order_id}/{uuid.uuid4().hex}.{u.extension}"
        storage().save(key, u.data)
        db.session.info.setdefault(_SAVED, []).append(key)
        row = ReplyAttachment(
            order_id=order_id,
            action=action,
            department_code=principal.department,
            filename=u.filename,
            content_type=u.content_type,
            size_bytes=len(u.data),
            sha256=u.sha256,
            storage_key=key,
            uploaded_by=principal.username,
        )
        db.session.add(row)
        rows.append(row)
        audit.record(
            "attachment.added",
            actor=actor_of(principal),
            order_id=order_id,
            filename=u.filename,
            bytes=len(u.data),
            sha256=u.sha256,
            reply=action,
        )
    return rows


def list_for(order_id: int) -> list[ReplyAttachment]:
    """The order's attachments; the caller has checked the order is visible."""
    stmt = select(ReplyAttachment).where(ReplyAttachment.order_id == order_id).order_by(ReplyAttachment.id)
    return list(db.session.scalars(stmt))


def open_attachment(order_id: int, attachment_id: int) -> tuple[ReplyAttachment, BinaryIO]:
    row = db.session.scalars(
        select(ReplyAttachment).where(
            ReplyAttachment.id == attachment_id, ReplyAttachment.order_id == order_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no attachment {attachment_id} on order {order_id}")
    try:
        return row, storage().open(row.storage_key)
    except FileNotFoundError as exc:
        log.error("attachment %s of order %s is missing from the storage", attachment_id, order_id)
        raise NotFound("the attachment's file is missing") from exc


def _after_commit(session: Session) -> None:
    session.info.pop(_SAVED, None)


def _after_transaction_end(session: Session, transaction) -> None:
    """A transaction that ended without a commit (rollback, or a session closed after an error)."""
    if transaction.parent is not None:
        return
    for key in session.info.pop(_SAVED, None) or []:
        try:
            current_app.extensions["attachment_storage"].delete(key)
        except Exception:
            log.warning("could not delete the stored file of a rolled-back attachment")


def init_app(app: Flask, settings) -> None:
    """Composition root: the storage, and file cleanup when a transaction rolls back."""
    root = settings.attachments_path or (settings.instance_path / "attachments")
    app.extensions["attachment_storage"] = DiskStorage(root)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
