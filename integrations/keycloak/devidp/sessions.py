"""Login sessions and authorization codes of the dev IdP, in its ``devidp`` schema.

A session (``sid``) starts at a password or code login and ends at logout, when its user is
disabled or deleted, or after the realm's SSO max lifespan. Codes live 60 seconds and are
single use. Both are rows, so any worker process can continue what another one began.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from .store import Store


class Sessions:
    def __init__(self, store: Store):
        self._store = store

    @property
    def engine(self):
        return self._store.engine  # creates the schema on first use

    def start(self, user_id: str, client_id: str) -> str:
        sid = str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO devidp.sessions (id, user_id, client_id) VALUES (:id, :u, :c)"),
                {"id": sid, "u": user_id, "c": client_id},
            )
        return sid

    def user_of(self, sid: str) -> str | None:
        """The user of a live session (not ended, younger than the realm's SSO max lifespan)."""
        with self.engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT user_id FROM devidp.sessions WHERE id = :id AND ended_at IS NULL "
                    "AND started_at > now() - make_interval(secs => :max)"
                ),
                {"id": sid, "max": float(self._store.realm.sso_max)},
            ).scalar()

    def active(self, sid: str) -> bool:
        return self.user_of(sid) is not None

    def end(self, sid: str) -> bool:
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    text("UPDATE devidp.sessions SET ended_at = now() WHERE id = :id AND ended_at IS NULL"),
                    {"id": sid},
                ).rowcount
                == 1
            )

    def issue_code(self, **fields: Any) -> str:
        code = secrets.token_urlsafe(32)
        expires = datetime.now(UTC) + timedelta(seconds=60)
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM devidp.codes WHERE expires_at < now() - interval '1 hour'"))
            conn.execute(
                text(
                    """INSERT INTO devidp.codes (code, client_id, redirect_uri, challenge, challenge_method,
                           scope, nonce, session_id, expires_at)
                       VALUES (:code, :client_id, :redirect_uri, :challenge, :challenge_method, :scope,
                           :nonce, :session_id, :expires)"""
                ),
                {"code": code, "expires": expires, **fields},
            )
        return code

    def consume_code(self, code: str) -> dict[str, Any] | None:
        """Single use: the first exchange wins, any later one finds nothing."""
        with self.engine.begin() as conn:
            row = (
                conn.execute(
                    text(
                        "UPDATE devidp.codes SET used_at = now() "
                        "WHERE code = :c AND used_at IS NULL AND expires_at > now() RETURNING *"
                    ),
                    {"c": code or ""},
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None
