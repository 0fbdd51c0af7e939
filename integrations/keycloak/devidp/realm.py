"""The realm file as the dev IdP reads it: clients, roles (with composites), groups, users.

Only the parts of Keycloak's model the platform uses are interpreted; everything else in the
file is there for the real Keycloak and ignored here.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Client:
    client_id: str
    rep: dict[str, Any] = field(repr=False)

    @property
    def public(self) -> bool:
        return bool(self.rep.get("publicClient"))

    @property
    def enabled(self) -> bool:
        return self.rep.get("enabled", True) and not self.rep.get("bearerOnly", False)

    def flag(self, name: str) -> bool:
        return bool(self.rep.get(name))

    @property
    def mappers(self) -> list[dict[str, Any]]:
        return list(self.rep.get("protocolMappers") or [])

    @property
    def pkce_method(self) -> str | None:
        return (self.rep.get("attributes") or {}).get("pkce.code.challenge.method") or None

    def check_secret(self, secret: str | None) -> bool:
        expected = self.rep.get("secret")
        if self.public:
            return not secret  # a public client has nothing to prove
        return bool(expected and secret) and hmac.compare_digest(str(expected), str(secret))

    def redirect_allowed(self, uri: str, origin: str) -> bool:
        """Keycloak's rules: exact match or a trailing ``*`` wildcard; ``/...`` is relative to ``origin``."""
        if not uri or urlsplit(uri).fragment:
            return False
        for pattern in self.rep.get("redirectUris") or []:
            if pattern.startswith("/"):
                pattern = origin + pattern
            if pattern.endswith("*"):
                if uri.startswith(pattern[:-1]):
                    return True
            elif uri == pattern:
                return True
        return False


class Realm:
    def __init__(self, rep: dict[str, Any]):
        self.rep = rep
        self.name: str = rep["realm"]
        self.clients = {c["clientId"]: Client(c["clientId"], c) for c in rep.get("clients", [])}
        self.realm_roles = {r["name"]: r for r in (rep.get("roles") or {}).get("realm", [])}
        self.groups = list(rep.get("groups") or [])
        self.users = [u for u in rep.get("users") or [] if not u.get("serviceAccountClientId")]
        self.service_accounts = {
            u["serviceAccountClientId"]: u for u in rep.get("users") or [] if u.get("serviceAccountClientId")
        }

    @classmethod
    def load(cls, path: Path) -> Realm:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    @property
    def access_token_lifespan(self) -> int:
        return int(self.rep.get("accessTokenLifespan", 300))

    @property
    def sso_idle(self) -> int:
        return int(self.rep.get("ssoSessionIdleTimeout", 1800))

    @property
    def sso_max(self) -> int:
        return int(self.rep.get("ssoSessionMaxLifespan", 36000))

    def client(self, client_id: str | None) -> Client | None:
        c = self.clients.get(client_id or "")
        return c if c is not None and c.enabled else None

    def role_rep(self, name: str) -> dict[str, Any] | None:
        role = self.realm_roles.get(name)
        if role is None:
            return None
        return {
            "id": role.get("id", name),
            "name": name,
            "description": role.get("description", ""),
            "composite": bool(role.get("composite")),
            "clientRole": False,
            "containerId": self.name,
        }

    @cached_property
    def _expanded(self) -> dict[str, tuple[frozenset[str], dict[str, frozenset[str]]]]:
        out = {}
        for name in self.realm_roles:
            realm, clients = {name}, {}
            stack = [name]
            while stack:
                role = self.realm_roles.get(stack.pop()) or {}
                composites = role.get("composites") or {}
                for sub in composites.get("realm", []):
                    if sub not in realm:
                        realm.add(sub)
                        stack.append(sub)
                for client, roles in (composites.get("client") or {}).items():
                    clients.setdefault(client, set()).update(roles)
            out[name] = (frozenset(realm), {k: frozenset(v) for k, v in clients.items()})
        return out

    def effective_roles(
        self, realm_roles: list[str], client_roles: dict[str, list[str]] | None = None
    ) -> tuple[list[str], dict[str, list[str]]]:
        """Expand composite realm roles (Keycloak's effective role mappings)."""
        realm: set[str] = set()
        clients: dict[str, set[str]] = {k: set(v) for k, v in (client_roles or {}).items()}
        for name in realm_roles:
            sub_realm, sub_clients = self._expanded.get(name, (frozenset({name}), {}))
            realm |= sub_realm
            for client, roles in sub_clients.items():
                clients.setdefault(client, set()).update(roles)
        return sorted(realm), {k: sorted(v) for k, v in clients.items() if v}
