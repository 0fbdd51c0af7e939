"""The dev IdP's state in PostgreSQL, shared by every worker process.

A ``devidp`` schema that the IdP creates itself (it is not part of the platform's migrations:
a production database never has it). Users and groups of the realm file are seeded into it
on first use in each process; what the admin API changes is marked ``source = 'admin'`` and
no longer overwritten by the file. Login sessions and authorization codes live here too, so a
refresh or a code exchange may land on any worker.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from sqlalchemy import Engine, text

from .realm import Realm
from .schema import LEGACY_PREFIX, SCHEMA_SQL, USER_COLUMNS, check_password, hash_password, password_of


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
            pw = password_of(rep)
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
                rehash = [{**u, "legacy": LEGACY_PREFIX} for u in users if u["password_hash"]]
                if rehash:  # hashes of the format before werkzeug: the realm file's password again
                    conn.execute(
                        text(
                            "UPDATE devidp.users SET password_hash = :password_hash WHERE id = :id "
                            "AND source = 'realm' AND starts_with(password_hash, :legacy)"
                        ),
                        rehash,
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
        password = password_of(rep)
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
        password = password_of(changes)
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
