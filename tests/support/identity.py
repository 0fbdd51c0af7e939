"""Tokens for tests.

``mint`` signs tokens with the dev IdP's key directly (fast; for API tests and for
crafting bad tokens). The demo-user naming (docs/architecture.md §5) decides the claims:
``<role>@<tenant>``, ``handler.<dept>@<tenant>``, ``kb_editor.<dept>@<tenant>``, ``province.admin``, ``province.supervisor``, ``province.kb_editor``;
service accounts ``client.<kind>@<tenant>`` (api_client or emergency_system) and ``partner.<name>@<tenant>``
(data_partner).
"""

from __future__ import annotations

from typing import Any

from flask import Flask


def claims_for(username: str, issuer: str, audience: str = "hotline-api") -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": f"user:{username}",
        "typ": "Bearer",
        "azp": "hotline-web",
        "preferred_username": username,
    }
    if username in ("province.admin", "province.supervisor"):
        role = "province_admin" if username == "province.admin" else "province_supervisor"
        claims["realm_access"] = {"roles": [role]}
        return claims
    if username == "province.kb_editor":  # the province base's editor: no tenant claim
        claims["realm_access"] = {"roles": ["kb_editor"]}
        return claims
    local, _, tenant = username.partition("@")
    if local.startswith(("handler.", "kb_editor.")):  # <role>.<dept>@<tenant>: department-bound
        role, department = local.split(".", 1)
        claims["realm_access"] = {"roles": [role]}
        claims["department"] = department
    elif local.startswith("client."):  # client.<kind>@<tenant>: api_client or emergency_system
        kind = local.split(".", 1)[1]
        claims["realm_access"] = {
            "roles": ["emergency_system" if kind in ("110", "119", "120", "122") else "api_client"]
        }
        claims["tenants"] = [tenant]
        claims["azp"] = f"{kind}-{tenant}"
        return claims
    elif local.startswith("partner."):  # partner.<name>@<tenant>: a data partner's service account
        claims["realm_access"] = {"roles": ["data_partner"]}
        claims["tenants"] = [tenant]
        claims["tenant"] = tenant
        claims["azp"] = f"partner-{local.split('.', 1)[1]}-{tenant}"
        return claims
    else:
        claims["realm_access"] = {"roles": [local]}
    claims["tenant"] = tenant
    return claims


def mint(app: Flask, username: str, *, lifetime: int = 600, **overrides: Any) -> str:
    verifier = app.extensions["token_verifier"]
    claims = claims_for(username, verifier.issuer, verifier.audience)
    claims.update(overrides)
    return app.extensions["devidp_keys"].sign(claims, lifetime=lifetime)


def auth(app: Flask, username: str, **overrides: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(app, username, **overrides)}"}


# -- the real path: python-keycloak against the dev IdP served over HTTP ------------------------

WEB_CLIENT = "hotline-web"


def keycloak_openid(server_url: str, client_id: str = WEB_CLIENT, secret: str | None = None):
    """A python-keycloak client for the dev IdP at ``server_url`` (``http://127.0.0.1:PORT/idp/``)."""
    from keycloak import KeycloakOpenID

    return KeycloakOpenID(
        server_url=server_url, realm_name="hotline", client_id=client_id, client_secret_key=secret
    )


class RealTokens:
    """Access tokens from real grants, cached until shortly before they expire."""

    def __init__(self, server_url: str):
        self.server_url = server_url
        self._cache: dict[str, tuple[float, str]] = {}

    def _cached(self, key: str, fetch) -> str:
        import time

        hit = self._cache.get(key)
        if hit is None or hit[0] - 30 < time.time():
            body = fetch()
            hit = (time.time() + body["expires_in"], body["access_token"])
            self._cache[key] = hit
        return hit[1]

    def user(self, username: str, password: str = "demo") -> str:
        oidc = keycloak_openid(self.server_url)
        return self._cached(username, lambda: oidc.token(username, password))

    def client(self, client_id: str) -> str:
        from integrations.keycloak.realm import client_secret

        oidc = keycloak_openid(self.server_url, client_id, client_secret(client_id))
        return self._cached("client:" + client_id, lambda: oidc.token(grant_type="client_credentials"))


def token_for(server_url: str, username: str, password: str = "demo") -> str:
    """One password grant through python-keycloak (uncached; the ``token_for`` fixture caches)."""
    return keycloak_openid(server_url).token(username, password)["access_token"]
