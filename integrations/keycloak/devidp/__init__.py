"""Keycloak-compatible development identity provider (never in production; docs/architecture.md §5).

Mounted in the web app under ``/idp/`` when ``KEYCLOAK_URL`` is unset, so python-keycloak's
server URL is ``<PUBLIC_URL>/idp/``. It serves the realm file ``realm-hotline.json`` (the one a
real Keycloak imports): OpenID Connect endpoints in ``oidc.py``, the admin users/groups API in
``admin.py``, its clients API in ``admin_clients.py``; keys under ``<instance>/idp``, state in
the database (``store.py``, ``clients.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app

from .clients import ClientStore
from .keys import KeyStore
from .realm import Client, Realm
from .sessions import Sessions
from .store import Store
from .tokens import TokenFactory


@dataclass
class DevIdP:
    realm: Realm
    keys: KeyStore
    store: Store
    sessions: Sessions
    tokens: TokenFactory
    server_url: str  # e.g. http://127.0.0.1:8000/idp
    clients: ClientStore

    def client(self, client_id: str | None) -> Client | None:
        """An enabled client: the realm file's, else one created through the admin API."""
        if not client_id:
            return None
        if client_id in self.realm.clients:
            return self.realm.client(client_id)
        found = self.clients.client(client_id)
        return found if found is not None and found.enabled else None

    @property
    def issuer(self) -> str:
        return self.tokens.issuer

    @property
    def origin(self) -> str:
        parts = urlsplit(self.server_url)
        return f"{parts.scheme}://{parts.netloc}"

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/protocol/openid-connect/{name}"


def current_idp() -> DevIdP:
    return current_app.extensions["devidp"]


def init_devidp(app: Flask, *, server_url: str, keys: KeyStore, realm_file: Path | None = None) -> DevIdP:
    """Register the dev IdP on ``app``; the caller has already refused production."""
    from tenants.db import db

    from ..realm import REALM_FILE
    from . import admin_clients  # noqa: F401  (adds the clients routes to the admin blueprint)
    from .admin import blp as admin_blp
    from .oidc import blp as oidc_blp

    realm = Realm.load(realm_file or REALM_FILE)
    issuer = f"{server_url.rstrip('/')}/realms/{realm.name}"
    store = Store(lambda: db.engine, realm)
    idp = DevIdP(
        realm=realm,
        keys=keys,
        store=store,
        sessions=Sessions(store),
        tokens=TokenFactory(realm, keys, issuer),
        server_url=server_url.rstrip("/"),
        clients=ClientStore(store),
    )
    app.extensions["devidp"] = idp
    app.register_blueprint(oidc_blp)
    app.register_blueprint(admin_blp)
    return idp
