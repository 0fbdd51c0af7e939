"""The ``devidp`` schema (created by the dev IdP itself, never by the platform's migrations)
and password hashing (PBKDF2-SHA256, Keycloak's old default iteration count: a dev server).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

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


def password_of(rep: dict[str, Any]) -> str | None:
    for cred in rep.get("credentials") or []:
        if cred.get("type", "password") == "password" and cred.get("value"):
            return str(cred["value"])
    return None
