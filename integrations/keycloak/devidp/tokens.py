"""Tokens as Keycloak issues them: claims, protocol mappers, and the IdP's own verification.

Access tokens carry iss, aud, exp, iat, jti, sub, typ "Bearer", azp, sid (user sessions),
scope, realm_access, resource_access, preferred_username, the profile claims and whatever the
client's protocol mappers add (tenant, department, tenants, the ``hotline-api`` audience).
Refresh tokens are JWTs of typ "Refresh" with the issuer as audience, as in Keycloak.
"""

from __future__ import annotations

import json
import time
from typing import Any

from jwcrypto import jwk, jwt
from jwcrypto.common import JWException

from .keys import KeyStore
from .realm import Client, Realm


class InvalidToken(Exception):
    pass


def _set_claim(claims: dict[str, Any], name: str, value: Any) -> None:
    """``a.b`` claim names nest, as Keycloak's mappers do."""
    parts = name.split(".")
    for part in parts[:-1]:
        claims = claims.setdefault(part, {})
    claims[parts[-1]] = value


def _typed(value: Any, json_type: str | None) -> Any:
    if json_type == "JSON":
        return json.loads(value) if isinstance(value, str) else value
    if json_type == "boolean":
        return str(value).lower() == "true"
    if json_type in ("int", "long"):
        return int(value)
    return value


def apply_mappers(
    client: Client, user: dict[str, Any] | None, claims: dict[str, Any], token_type: str
) -> None:
    """Apply the client's protocol mappers for ``token_type`` (access, id, userinfo, introspection)."""
    attributes = ((user or {}).get("rep") or {}).get("attributes") or {}
    for mapper in client.mappers:
        config = mapper.get("config") or {}
        if (
            config.get(f"{token_type}.token.claim", "true" if token_type == "introspection" else "false")
            != "true"
        ):
            continue
        kind = mapper.get("protocolMapper")
        if kind == "oidc-usermodel-attribute-mapper" and user is not None:
            values = attributes.get(config.get("user.attribute", ""))
            if not values:
                continue
            value = values if config.get("multivalued") == "true" else values[0]
            _set_claim(claims, config.get("claim.name") or config["user.attribute"], value)
        elif kind == "oidc-hardcoded-claim-mapper":
            _set_claim(
                claims, config["claim.name"], _typed(config.get("claim.value"), config.get("jsonType.label"))
            )
        elif kind == "oidc-audience-mapper" and token_type in ("access", "introspection"):
            audience = config.get("included.client.audience") or config.get("included.custom.audience")
            if audience:
                aud = claims.get("aud") or []
                aud = [aud] if isinstance(aud, str) else list(aud)
                if audience not in aud:
                    aud.append(audience)
                claims["aud"] = aud


class TokenFactory:
    def __init__(self, realm: Realm, keys: KeyStore, issuer: str):
        self.realm = realm
        self.keys = keys
        self.issuer = issuer

    # -- issuing ----------------------------------------------------------------------------
    def _profile_claims(self, user: dict[str, Any]) -> dict[str, Any]:
        rep = user.get("rep") or {}
        out: dict[str, Any] = {"preferred_username": user["username"]}
        if user.get("service_client") is None:
            first, last = rep.get("firstName"), rep.get("lastName")
            if first or last:
                out["name"] = " ".join(x for x in (first, last) if x)
            if first:
                out["given_name"] = first
            if last:
                out["family_name"] = last
            if rep.get("email"):
                out["email"] = rep["email"]
                out["email_verified"] = bool(rep.get("emailVerified"))
        return out

    def access_claims(
        self, client: Client, user: dict[str, Any], *, sid: str | None, scope: str, token_type: str = "access"
    ) -> dict[str, Any]:
        realm_roles, client_roles = self.realm.effective_roles(user["realm_roles"], user["client_roles"])
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": user["id"],
            "typ": "Bearer",
            "azp": client.client_id,
            "scope": scope,
            "realm_access": {"roles": realm_roles},
            "aud": sorted(client_roles),  # audience resolve: every client the roles belong to
            **self._profile_claims(user),
        }
        if sid:
            claims["sid"] = sid
        if client_roles:
            claims["resource_access"] = {k: {"roles": v} for k, v in client_roles.items()}
        if user.get("service_client"):
            claims["client_id"] = client.client_id
        apply_mappers(client, user, claims, token_type)
        if not claims["aud"]:
            claims.pop("aud")
        elif len(claims["aud"]) == 1:
            claims["aud"] = claims["aud"][0]
        return claims

    def token_response(
        self, client: Client, user: dict[str, Any], *, sid: str | None, scope: str, nonce: str | None = None
    ) -> dict[str, Any]:
        """The token endpoint's answer for a user session (or a service account without ``sid``)."""
        lifespan = int((client.rep.get("attributes") or {}).get("access.token.lifespan") or 0)
        lifespan = lifespan or self.realm.access_token_lifespan
        scopes = scope.split()
        if "openid" not in scopes:
            scopes.insert(0, "openid")
        granted = " ".join(dict.fromkeys(s for s in scopes if s in ("openid", "profile", "email")))
        access = self.keys.sign(self.access_claims(client, user, sid=sid, scope=granted), lifetime=lifespan)
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": lifespan,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": granted,
        }
        if sid:
            refresh = {
                "iss": self.issuer,
                "aud": self.issuer,
                "sub": user["id"],
                "typ": "Refresh",
                "azp": client.client_id,
                "sid": sid,
                "scope": granted,
            }
            body["refresh_token"] = self.keys.sign(refresh, lifetime=self.realm.sso_idle)
            body["refresh_expires_in"] = self.realm.sso_idle
            body["session_state"] = sid
        else:
            body["refresh_expires_in"] = 0
        if "openid" in scope.split():
            id_claims = {
                "iss": self.issuer,
                "aud": client.client_id,
                "sub": user["id"],
                "typ": "ID",
                "azp": client.client_id,
                "auth_time": int(time.time()),
                **self._profile_claims(user),
            }
            if sid:
                id_claims["sid"] = sid
            if nonce:
                id_claims["nonce"] = nonce
            apply_mappers(client, user, id_claims, "id")
            body["id_token"] = self.keys.sign(id_claims, lifetime=lifespan)
        return body

    def userinfo(self, client: Client | None, user: dict[str, Any]) -> dict[str, Any]:
        claims = {"sub": user["id"], **self._profile_claims(user)}
        if client is not None:
            apply_mappers(client, user, claims, "userinfo")
        return claims

    # -- verifying its own tokens -----------------------------------------------------------
    def verify(self, token: str, typ: str) -> dict[str, Any]:
        """Signature (RS256, realm keys), issuer, expiry and ``typ``; raises InvalidToken."""
        if not token or token.count(".") != 2:
            raise InvalidToken("malformed token")
        keyset = jwk.JWKSet()
        for cert in self.keys.jwks()["keys"]:
            keyset.add(jwk.JWK(**cert))
        try:
            parsed = jwt.JWT(
                jwt=token,
                key=keyset,
                algs=["RS256"],
                check_claims={"iss": self.issuer, "exp": None, "typ": typ},
                expected_type="JWS",
            )
            claims = json.loads(parsed.claims)
        except (JWException, ValueError, TypeError, KeyError) as exc:
            raise InvalidToken(f"{type(exc).__name__}: {exc}") from exc
        if claims.get("typ") != typ:
            raise InvalidToken("wrong token type")
        return claims
