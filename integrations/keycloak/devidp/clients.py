"""Clients created through the admin API (the registry's service accounts, docs/open311.md).

The realm file's clients stay read-only in the file; clients created at run time live in
``devidp.clients`` so every worker sees them, each confidential one with its generated secret
and, when ``serviceAccountsEnabled``, its ``service-account-<clientId>`` user (as Keycloak makes).
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

from sqlalchemy import text

from .realm import Client
from .store import Conflict, Store

# What a created client may carry; everything else in the representation is dropped.
CLIENT_FIELDS = (
    "clientId", "name", "description", "enabled", "protocol", "clientAuthenticatorType", "publicClient",
    "bearerOnly", "standardFlowEnabled", "implicitFlowEnabled", "directAccessGrantsEnabled",
    "serviceAccountsEnabled", "frontchannelLogout", "fullScopeAllowed", "redirectUris", "webOrigins",
    "attributes", "protocolMappers", "secret",
)  # fmt: skip


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _clean(rep: dict[str, Any]) -> dict[str, Any]:
    out = {k: rep[k] for k in CLIENT_FIELDS if k in rep}
    out.setdefault("enabled", True)
    out.setdefault("publicClient", False)
    out.setdefault("protocol", "openid-connect")
    out.setdefault("clientAuthenticatorType", "client-secret")
    mappers = []
    for m in out.get("protocolMappers") or []:
        if isinstance(m, dict) and isinstance(m.get("config", {}), dict):
            mappers.append({**m, "id": m.get("id") or str(uuid.uuid4())})
    out["protocolMappers"] = mappers
    if not isinstance(out.get("attributes"), dict):
        out["attributes"] = {}
    return out


class ClientStore:
    """Run-time clients in PostgreSQL beside the dev IdP's users."""

    def __init__(self, store: Store):
        self.store = store

    def get(self, *, id: str | None = None, client_id: str | None = None) -> dict[str, Any] | None:
        where, value = ("id = :v", id) if id is not None else ("client_id = :v", client_id)
        with self.store.engine.connect() as conn:
            row = conn.execute(text(f"SELECT id, rep FROM devidp.clients WHERE {where}"), {"v": value})
            found = row.mappings().first()
        return {**found["rep"], "id": found["id"]} if found else None

    def find(self, client_id: str | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT id, rep FROM devidp.clients", {}
        if client_id is not None:
            sql, params = sql + " WHERE client_id = :c", {"c": client_id}
        with self.store.engine.connect() as conn:
            rows = conn.execute(text(sql + " ORDER BY client_id"), params).mappings().all()
        return [{**r["rep"], "id": r["id"]} for r in rows]

    def client(self, client_id: str) -> Client | None:
        rep = self.get(client_id=client_id)
        return Client(client_id, rep) if rep is not None else None

    def create(self, rep: dict[str, Any]) -> str:
        rep = _clean(rep)
        new_id = str(uuid.uuid4())
        if not rep.get("publicClient") and not rep.get("secret"):
            rep["secret"] = new_secret()
        with self.store.engine.begin() as conn:
            done = conn.execute(
                text(
                    "INSERT INTO devidp.clients (id, client_id, rep) VALUES (:id, :c, CAST(:rep AS jsonb)) "
                    "ON CONFLICT DO NOTHING"
                ),
                {"id": new_id, "c": rep["clientId"], "rep": json.dumps(rep, ensure_ascii=False)},
            )
            if done.rowcount != 1:
                raise Conflict(f"Client {rep['clientId']} already exists")
            if rep.get("serviceAccountsEnabled"):
                self._add_service_account(conn, rep["clientId"])
        return new_id

    @staticmethod
    def _add_service_account(conn, client_id: str) -> None:
        conn.execute(
            text(
                """INSERT INTO devidp.users (id, username, enabled, service_client, source)
                   VALUES (:id, :u, true, :c, 'admin') ON CONFLICT DO NOTHING"""
            ),
            {"id": str(uuid.uuid4()), "u": f"service-account-{client_id}".lower(), "c": client_id},
        )

    def update(self, id: str, changes: dict[str, Any]) -> None:
        """Keycloak's PUT: the given fields replace the stored ones; ``clientId`` never changes."""
        current = self.get(id=id)
        if current is None:
            return
        merged = _clean({**current, **{k: v for k, v in changes.items() if k != "clientId"}})
        with self.store.engine.begin() as conn:
            conn.execute(
                text("UPDATE devidp.clients SET rep = CAST(:rep AS jsonb) WHERE id = :id"),
                {"id": id, "rep": json.dumps(merged, ensure_ascii=False)},
            )
            if merged.get("serviceAccountsEnabled"):
                self._add_service_account(conn, current["clientId"])

    def regenerate_secret(self, id: str) -> str:
        secret = new_secret()
        with self.store.engine.begin() as conn:
            conn.execute(
                text("UPDATE devidp.clients SET rep = jsonb_set(rep, '{secret}', to_jsonb(CAST(:s AS text))) "
                     "WHERE id = :id"),
                {"id": id, "s": secret},
            )  # fmt: skip
        return secret

    def delete(self, id: str) -> None:
        with self.store.engine.begin() as conn:
            row = conn.execute(
                text("DELETE FROM devidp.clients WHERE id = :id RETURNING client_id"), {"id": id}
            ).first()
            if row is not None:
                conn.execute(text("DELETE FROM devidp.users WHERE service_client = :c"), {"c": row[0]})
