"""The dev IdP's state in PostgreSQL, shared by every worker process.

A ``devidp`` schema that the IdP creates itself (it is not part of the platform's migrations:
a production database never has it). Users and groups of the realm file are seeded into it
on first use in each process; what the admin API changes is marked ``source = 'admin'`` and
no longer overwritten by the file. Login sessions and authorization codes live here too, so a
refresh or a code exchange may land on any worker.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from .realm import Realm

SCHEMA_SQL = """
CREATE SCHEMA IF NOT EXISTS devidp;
CREATE TABLE IF NOT EXISTS devidp.users (
    id text PRIMARY KEY,
    username text NOT NULL UNIQUE,
    enabled boolean NOT NULL DEFAULT true,
    rep jsonb NOT NULL DEFAULT '{}',
    realm_roles jsonb NOT NULL DEFAULT '[]',
    client_roles jsonb NOT NULL DEFAULT '{}',
    groups jsonb NOT NULL DEFAULT '[]',
    password_hash text,
    service_client text UNIQUE,
    source text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS devidp.groups (
    id text PRIMARY KEY,
    name text NOT NULL UNIQUE,
    attributes jsonb NOT NULL DEFAULT '{}',
    source text NOT NULL
);
CREATE TABLE IF NOT EXISTS devidp.sessions (
    id text PRIMARY KEY,
    user_id text NOT NULL,
    client_id text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz
);
CREATE TABLE IF NOT EXISTS devidp.codes (
    code text PRIMARY KEY,
    client_id text NOT NULL,
    redirect_uri text NOT NULL,
    challenge text,
    challenge_method text,
    scope text NOT NULL,
    nonce text,
    session_id text NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
"""
PBKDF2_ITERATIONS = 27500
USER_COLUMNS = "id, username, enabled, rep, realm_roles, client_roles, groups, service_client, created_at"


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
    b64 = base64.b64encode
    return f"pbkdf2-sha256${PBKDF2_ITERATIONS}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored or not password:
        return False
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2-sha256":
        return False
    got = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    return hmac.compare_digest(got, base64.b64decode(digest))


def _password_of(rep: dict[str, Any]) -> str | None:
    for cred in rep.get("credentials") or []:
        if cred.get("type", "password") == "password" and cred.get("value"):
            return str(cred["value"])
    return None


class Conflict(Exception):
    pass


class Store:
    def __init__(self, engine_getter, realm: Realm):
        self._engine_getter = engine_getter
        self.realm = realm
        self._ready: set[int] = set()
        self._lock = threading.Lock()

    # -- setup ------------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        engine = self._engine_getter()
        if id(engine) not in self._ready:
            with self._lock:
                if id(engine) not in self._ready:
                    self._setup(engine)
                    self._ready.add(id(engine))
        return engine

    def _setup(self, engine: Engine) -> None:
        group_ids = {g["path"]: g["id"] for g in self.realm.groups}
        hashes: dict[str, str] = {}  # one PBKDF2 run per distinct realm-file password

        def hashed(rep: dict[str, Any]) -> str | None:
            pw = _password_of(rep)
            if pw is None:
                return None
            if pw not in hashes:
                hashes[pw] = hash_password(pw)
            return hashes[pw]

        users = [self._seed_row(u, hashed(u), group_ids) for u in self.realm.users]
        users += [self._seed_row(u, None, group_ids) for u in self.realm.service_accounts.values()]
        groups = [
            {"id": g["id"], "name": g["name"], "attributes": json.dumps(g.get("attributes") or {})}
            for g in self.realm.groups
        ]
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('devidp:setup'))"))
            conn.exec_driver_sql(SCHEMA_SQL)
            if groups:
                conn.execute(
                    text(
                        "INSERT INTO devidp.groups (id, name, attributes, source) "
                        "VALUES (:id, :name, CAST(:attributes AS jsonb), 'realm') ON CONFLICT DO NOTHING"
                    ),
                    groups,
                )
            if users:
                conn.execute(
                    text(
                        """INSERT INTO devidp.users (id, username, enabled, rep, realm_roles, client_roles,
                               groups, password_hash, service_client, source)
                           VALUES (:id, :username, :enabled, CAST(:rep AS jsonb), CAST(:realm_roles AS jsonb),
                               CAST(:client_roles AS jsonb), CAST(:groups AS jsonb), :password_hash,
                               :service_client, 'realm')
                           ON CONFLICT DO NOTHING"""
                    ),
                    users,
                )
                conn.execute(
                    text(
                        """UPDATE devidp.users SET rep = CAST(:rep AS jsonb),
                               realm_roles = CAST(:realm_roles AS jsonb),
                               client_roles = CAST(:client_roles AS jsonb), groups = CAST(:groups AS jsonb)
                           WHERE id = :id AND source = 'realm'
                             AND (rep, realm_roles, client_roles, groups) IS DISTINCT FROM
                                 (CAST(:rep AS jsonb), CAST(:realm_roles AS jsonb),
                                  CAST(:client_roles AS jsonb), CAST(:groups AS jsonb))"""
                    ),
                    users,
                )

    @staticmethod
    def _seed_row(u: dict[str, Any], password_hash: str | None, group_ids: dict[str, str]) -> dict[str, Any]:
        return {
            "id": u.get("id") or str(uuid.uuid5(uuid.NAMESPACE_URL, u["username"])),
            "username": u["username"].lower(),
            "enabled": bool(u.get("enabled", True)),
            "rep": json.dumps(_profile(u), ensure_ascii=False),
            "realm_roles": json.dumps(u.get("realmRoles") or []),
            "client_roles": json.dumps(u.get("clientRoles") or {}),
            "groups": json.dumps([group_ids[p] for p in u.get("groups") or [] if p in group_ids]),
            "password_hash": password_hash,
            "service_client": u.get("serviceAccountClientId"),
        }

    # -- users ------------------------------------------------------------------------------
    def user(self, *, id: str | None = None, username: str | None = None) -> dict[str, Any] | None:
        where, value = ("id = :v", id) if id is not None else ("username = :v", (username or "").lower())
        with self.engine.connect() as conn:
            row = conn.execute(text(f"SELECT {USER_COLUMNS} FROM devidp.users WHERE {where}"), {"v": value})
            found = row.mappings().first()
        return dict(found) if found else None

    def service_account(self, client_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    text(f"SELECT {USER_COLUMNS} FROM devidp.users WHERE service_client = :c"),
                    {"c": client_id},
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def authenticate(self, username: str, password: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    text(
                        f"SELECT {USER_COLUMNS}, password_hash FROM devidp.users "
                        "WHERE username = :u AND service_client IS NULL"
                    ),
                    {"u": (username or "").lower()},
                )
                .mappings()
                .first()
            )
        if row is None or not check_password(password, row["password_hash"]):
            return None
        user = dict(row)
        user.pop("password_hash")
        return user

    def find_users(
        self,
        *,
        username: str | None = None,
        exact: bool = False,
        search: str | None = None,
        attributes: dict[str, str] | None = None,
        enabled: bool | None = None,
        group_id: str | None = None,
        first: int = 0,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        clauses = ["service_client IS NULL"]
        params: dict[str, Any] = {"first": max(first, 0), "max": min(max(limit, 0), 1000)}
        if username:
            if exact:
                clauses.append("username = :username")
                params["username"] = username.lower()
            else:
                clauses.append("username LIKE :username")
                params["username"] = "%" + _like(username.lower()) + "%"
        if search and search != "*":
            clauses.append(
                "(username LIKE :search OR lower(rep->>'email') LIKE :search "
                "OR lower(rep->>'firstName') LIKE :search OR lower(rep->>'lastName') LIKE :search)"
            )
            params["search"] = "%" + _like(search.lower().strip("*")) + "%"
        for i, (key, value) in enumerate((attributes or {}).items()):
            clauses.append(f"rep->'attributes' @> CAST(:attr{i} AS jsonb)")
            params[f"attr{i}"] = json.dumps({key: [value]})
        if enabled is not None:
            clauses.append("enabled = :enabled")
            params["enabled"] = enabled
        if group_id is not None:
            clauses.append("groups @> CAST(:gid AS jsonb)")
            params["gid"] = json.dumps([group_id])
        sql = (
            f"SELECT {USER_COLUMNS} FROM devidp.users WHERE {' AND '.join(clauses)} "
            "ORDER BY username OFFSET :first LIMIT :max"
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(text(sql), params).mappings()]

    def create_user(self, rep: dict[str, Any], group_ids: list[str]) -> str:
        user_id = str(uuid.uuid4())
        password = _password_of(rep)
        with self.engine.begin() as conn:
            taken = conn.execute(
                text("SELECT 1 FROM devidp.users WHERE username = :u"), {"u": rep["username"].lower()}
            ).first()
            if taken:
                raise Conflict("User exists with same username")
            conn.execute(
                text(
                    """INSERT INTO devidp.users
                           (id, username, enabled, rep, groups, password_hash, source)
                       VALUES (:id, :u, :enabled, CAST(:rep AS jsonb), CAST(:groups AS jsonb), :pw,
                           'admin')"""
                ),
                {
                    "id": user_id,
                    "u": rep["username"].lower(),
                    "enabled": bool(rep.get("enabled", False)),
                    "rep": json.dumps(_profile(rep), ensure_ascii=False),
                    "groups": json.dumps(group_ids),
                    "pw": hash_password(password) if password else None,
                },
            )
        return user_id

    def update_user(self, user_id: str, changes: dict[str, Any]) -> bool:
        """Keycloak's PUT semantics: the given fields replace the stored ones."""
        sets, params = ["source = 'admin'"], {"id": user_id}
        profile = {k: v for k, v in _profile(changes).items() if k in changes}
        if profile:
            sets.append("rep = rep || CAST(:profile AS jsonb)")
            params["profile"] = json.dumps(profile, ensure_ascii=False)
        if "enabled" in changes:
            sets.append("enabled = :enabled")
            params["enabled"] = bool(changes["enabled"])
        password = _password_of(changes)
        if password:
            sets.append("password_hash = :pw")
            params["pw"] = hash_password(password)
        with self.engine.begin() as conn:
            done = conn.execute(text(f"UPDATE devidp.users SET {', '.join(sets)} WHERE id = :id"), params)
            if changes.get("enabled") is False:
                conn.execute(
                    text(
                        "UPDATE devidp.sessions SET ended_at = now() WHERE user_id = :id AND ended_at IS NULL"
                    ),
                    {"id": user_id},
                )
        return done.rowcount == 1

    def set_password(self, user_id: str, password: str) -> bool:
        return self.update_user(user_id, {"credentials": [{"type": "password", "value": password}]})

    def delete_user(self, user_id: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(
                text("UPDATE devidp.sessions SET ended_at = now() WHERE user_id = :id"), {"id": user_id}
            )
            return (
                conn.execute(text("DELETE FROM devidp.users WHERE id = :id"), {"id": user_id}).rowcount == 1
            )

    def _edit_json_list(self, user_id: str, column: str, value: str, add: bool) -> bool:
        op = (
            f"CASE WHEN {column} @> CAST(:one AS jsonb) THEN {column} "
            f"ELSE {column} || CAST(:one AS jsonb) END"
            if add
            else f"{column} - :value"
        )
        with self.engine.begin() as conn:
            done = conn.execute(
                text(f"UPDATE devidp.users SET {column} = {op}, source = 'admin' WHERE id = :id"),
                {"id": user_id, "one": json.dumps([value]), "value": value},
            )
        return done.rowcount == 1

    def add_to_group(self, user_id: str, group_id: str) -> bool:
        return self._edit_json_list(user_id, "groups", group_id, add=True)

    def remove_from_group(self, user_id: str, group_id: str) -> bool:
        return self._edit_json_list(user_id, "groups", group_id, add=False)

    def grant_realm_role(self, user_id: str, role: str) -> bool:
        return self._edit_json_list(user_id, "realm_roles", role, add=True)

    def revoke_realm_role(self, user_id: str, role: str) -> bool:
        return self._edit_json_list(user_id, "realm_roles", role, add=False)

    # -- groups -----------------------------------------------------------------------------
    def groups(self, *, search: str | None = None, exact: bool = False, ids: list[str] | None = None):
        clauses, params = ["true"], {}
        if search:
            clauses.append("name = :s" if exact else "lower(name) LIKE :s")
            params["s"] = search if exact else "%" + _like(search.lower()) + "%"
        if ids is not None:
            clauses.append("id = ANY(:ids)")
            params["ids"] = list(ids)
        sql = f"SELECT id, name, attributes FROM devidp.groups WHERE {' AND '.join(clauses)} ORDER BY name"
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(text(sql), params).mappings()]

    def group(self, *, id: str | None = None, name: str | None = None) -> dict[str, Any] | None:
        where, value = ("id = :v", id) if id is not None else ("name = :v", name)
        with self.engine.connect() as conn:
            row = conn.execute(
                text(f"SELECT id, name, attributes FROM devidp.groups WHERE {where}"), {"v": value}
            )
            found = row.mappings().first()
        return dict(found) if found else None

    def create_group(self, name: str, attributes: dict[str, Any]) -> str:
        group_id = str(uuid.uuid4())
        with self.engine.begin() as conn:
            done = conn.execute(
                text(
                    "INSERT INTO devidp.groups (id, name, attributes, source) "
                    "VALUES (:id, :name, CAST(:a AS jsonb), 'admin') ON CONFLICT DO NOTHING"
                ),
                {"id": group_id, "name": name, "a": json.dumps(attributes, ensure_ascii=False)},
            )
        if done.rowcount != 1:
            raise Conflict(f"Top level group named '{name}' already exists.")
        return group_id

    def update_group(self, group_id: str, name: str | None, attributes: dict[str, Any] | None) -> bool:
        sets, params = ["source = 'admin'"], {"id": group_id}
        if name:
            sets.append("name = :name")
            params["name"] = name
        if attributes is not None:
            sets.append("attributes = CAST(:a AS jsonb)")
            params["a"] = json.dumps(attributes, ensure_ascii=False)
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    text(f"UPDATE devidp.groups SET {', '.join(sets)} WHERE id = :id"), params
                ).rowcount
                == 1
            )

    def delete_group(self, group_id: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(
                text("UPDATE devidp.users SET groups = groups - :id WHERE groups @> CAST(:one AS jsonb)"),
                {"id": group_id, "one": json.dumps([group_id])},
            )
            return (
                conn.execute(text("DELETE FROM devidp.groups WHERE id = :id"), {"id": group_id}).rowcount == 1
            )

    # -- sessions and codes ----------------------------------------------------------------
    def start_session(self, user_id: str, client_id: str) -> str:
        sid = str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO devidp.sessions (id, user_id, client_id) VALUES (:id, :u, :c)"),
                {"id": sid, "u": user_id, "c": client_id},
            )
        return sid

    def session_user(self, sid: str) -> str | None:
        """The user of a live session (not ended, younger than the realm's SSO max lifespan)."""
        with self.engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT user_id FROM devidp.sessions WHERE id = :id AND ended_at IS NULL "
                    "AND started_at > now() - make_interval(secs => :max)"
                ),
                {"id": sid, "max": float(self.realm.sso_max)},
            ).scalar()

    def session_active(self, sid: str) -> bool:
        return self.session_user(sid) is not None

    def end_session(self, sid: str) -> bool:
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


def _profile(rep: dict[str, Any]) -> dict[str, Any]:
    keys = ("firstName", "lastName", "email", "emailVerified", "attributes")
    out = {k: rep[k] for k in keys if k in rep and rep[k] is not None}
    if "attributes" in out:
        out["attributes"] = {
            str(k): [str(x) for x in (v if isinstance(v, list) else [v])]
            for k, v in out["attributes"].items()
        }
    return out


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
