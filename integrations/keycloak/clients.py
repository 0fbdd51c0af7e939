"""The registry's service accounts in the realm, through python-keycloak's ``KeycloakAdmin``
(docs/open311.md "Service accounts"): the adapter ``app.open311.service_accounts`` uses.

The same calls go to a real Keycloak (``KEYCLOAK_URL``) or, in development and tests, to the
dev IdP's admin API in this app (``provisioning.admin_client`` routes them in-process). The
provisioning service account holds ``manage-clients`` for this (``realm.CLIENT_ADMIN_ROLES``).
"""

from __future__ import annotations

import logging

from flask import Flask
from keycloak.exceptions import KeycloakError
from requests.exceptions import RequestException

from app.open311.service_accounts import RealmError, use

from .provisioning import IdentityConfigError, admin_client
from .realm import service_client_rep

log = logging.getLogger(__name__)


def _failed(what: str, exc: Exception) -> str:
    return f"the identity provider did not {what} ({type(exc).__name__})"


class KeycloakRealmClients:
    def __init__(self, app: Flask):
        self.app = app

    def _admin(self):
        try:
            return admin_client(self.app)
        except IdentityConfigError as exc:
            raise RealmError(str(exc), status=503) from exc

    def _internal_id(self, admin, client_id: str) -> str:
        internal = admin.get_client_id(client_id)
        if internal is None:
            raise RealmError(f"client {client_id} is not in the realm")
        return internal

    def create(self, client_id: str, name: str, tenant: str, role: str) -> str:
        try:
            admin = self._admin()
            rep = {k: v for k, v in service_client_rep(client_id, name, [tenant]).items() if k != "id"}
            internal = admin.create_client(rep)
            account = admin.get_client_service_account_user(internal)
            admin.assign_realm_roles(account["id"], [admin.get_realm_role(role)])
            return admin.get_client_secrets(internal)["value"]
        except (KeycloakError, RequestException, KeyError) as exc:
            log.warning("creating realm client %s failed: %s", client_id, exc)
            raise RealmError(_failed("create the client", exc)) from exc

    def rotate(self, client_id: str) -> str:
        try:
            admin = self._admin()
            return admin.generate_client_secrets(self._internal_id(admin, client_id))["value"]
        except (KeycloakError, RequestException, KeyError) as exc:
            log.warning("rotating the secret of %s failed: %s", client_id, exc)
            raise RealmError(_failed("rotate the secret", exc)) from exc

    def disable(self, client_id: str) -> None:
        try:
            admin = self._admin()
            internal = admin.get_client_id(client_id)
            if internal is not None:  # already gone from the realm: nothing left to disable
                admin.update_client(internal, {"clientId": client_id, "enabled": False})
        except (KeycloakError, RequestException) as exc:
            log.warning("disabling realm client %s failed: %s", client_id, exc)
            raise RealmError(_failed("disable the client", exc)) from exc


def register(app: Flask) -> None:
    use(app, KeycloakRealmClients(app))
