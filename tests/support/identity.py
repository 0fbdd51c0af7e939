"""Tokens for tests.

``mint`` signs tokens with the dev IdP's key directly (fast; for API tests and for
crafting bad tokens). The demo-user naming of DESIGN 6 decides the claims:
``<role>@<tenant>``, ``handler.<dept>@<tenant>``, ``province.admin``, ``province.supervisor``.
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
    local, _, tenant = username.partition("@")
    if local.startswith("handler."):
        claims["realm_access"] = {"roles": ["handler"]}
        claims["department"] = local.split(".", 1)[1]
    elif local.startswith("client."):  # client.<kind>@<tenant>: api_client or emergency_system
        kind = local.split(".", 1)[1]
        claims["realm_access"] = {
            "roles": ["emergency_system" if kind in ("110", "119", "120", "122") else "api_client"]
        }
        claims["tenants"] = [tenant]
        claims["azp"] = f"{kind}-{tenant}"
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
