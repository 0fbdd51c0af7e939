"""Bearer-token verification against the realm's JWKS, through python-keycloak.

RS256 only; issuer, audience and expiry checked; the JWKS is cached and refreshed when
a token names an unknown ``kid`` (key rotation), at most once per ``min_refresh`` seconds.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from jwcrypto import jwk
from jwcrypto.common import JWException
from keycloak import KeycloakOpenID

from .http import Unauthenticated
from .principal import Principal, Role

log = logging.getLogger(__name__)

ALLOWED_ALGS = ["RS256"]


class TokenVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_provider: Callable[[], dict[str, Any]] | None = None,
        keycloak: KeycloakOpenID | None = None,
        min_refresh: float = 10.0,
    ):
        if jwks_provider is None and keycloak is None:
            raise ValueError("need a JWKS provider or a KeycloakOpenID client")
        self.issuer = issuer
        self.audience = audience
        self._keycloak = keycloak
        self._jwks_provider = jwks_provider or (lambda: keycloak.certs())  # type: ignore[union-attr]
        self._keys: jwk.JWKSet | None = None
        self._kids: set[str] = set()
        self._fetched_at = 0.0
        self._min_refresh = min_refresh
        self._lock = threading.Lock()

    def _load_keys(self, force: bool = False) -> jwk.JWKSet:
        with self._lock:
            if self._keys is not None and not force:
                return self._keys
            if force and time.monotonic() - self._fetched_at < self._min_refresh and self._keys is not None:
                return self._keys
            keyset = jwk.JWKSet()
            kids = set()
            for cert in self._jwks_provider()["keys"]:
                if cert.get("use", "sig") != "sig" or cert.get("kty") != "RSA":
                    continue
                keyset.add(jwk.JWK(**cert))
                kids.add(cert.get("kid"))
            self._keys, self._kids, self._fetched_at = keyset, kids, time.monotonic()
            return keyset

    def claims(self, token: str) -> dict[str, Any]:
        try:
            header = _header(token)
        except Exception as exc:
            raise Unauthenticated("malformed token") from exc
        if header.get("alg") not in ALLOWED_ALGS:
            raise Unauthenticated(f"token algorithm {header.get('alg')!r} is not accepted")
        keys = self._load_keys()
        if header.get("kid") not in self._kids:
            keys = self._load_keys(force=True)  # maybe the realm rotated its key
        try:
            return KeycloakOpenID._verify_token(
                token,
                keys,
                algs=ALLOWED_ALGS,
                check_claims={"iss": self.issuer, "exp": None, "aud": self.audience},
                leeway=30,
            )
        except (JWException, ValueError, TypeError, KeyError) as exc:
            raise Unauthenticated(f"invalid token: {type(exc).__name__}") from exc

    def principal(self, token: str) -> Principal:
        return principal_from_claims(self.claims(token))


def _header(token: str) -> dict[str, Any]:
    import base64

    head = token.split(".", 1)[0]
    head += "=" * (-len(head) % 4)
    value = json.loads(base64.urlsafe_b64decode(head))
    if not isinstance(value, dict):
        raise ValueError("token header is not an object")
    return value


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    roles = frozenset(r for r in (claims.get("realm_access") or {}).get("roles", []) if r in Role.ALL)
    granted = claims.get("tenants") or []
    if isinstance(granted, str):
        granted = [granted]
    return Principal(
        subject=str(claims.get("sub", "")),
        username=str(claims.get("preferred_username") or claims.get("azp") or claims.get("sub", "")),
        roles=roles,
        tenant=claims.get("tenant") or None,
        department=claims.get("department") or None,
        client_id=claims.get("azp") or claims.get("client_id"),
        granted_tenants=frozenset(str(t) for t in granted),
        claims=claims,
    )
