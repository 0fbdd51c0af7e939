"""The ``devidp`` schema (created by the dev IdP itself, never by the platform's migrations)
and password hashing (werkzeug.security: PBKDF2-SHA256 at Keycloak's old default iteration
count, enough for a development server that logs test users in thousands of times).
"""

from __future__ import annotations

from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

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
CREATE TABLE IF NOT EXISTS devidp.clients (
    id text PRIMARY KEY,
    client_id text NOT NULL UNIQUE,
    rep jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
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
PASSWORD_METHOD = f"pbkdf2:sha256:{PBKDF2_ITERATIONS}"
# The format this module wrote before werkzeug did the work: rows in it are re-hashed from the
# realm file at start (``DevIdpStore._setup``); users created through the admin API must reset.
LEGACY_PREFIX = "pbkdf2-sha256$"
USER_COLUMNS = "id, username, enabled, rep, realm_roles, client_roles, groups, service_client, created_at"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def check_password(password: str, stored: str | None) -> bool:
    if not stored or not password or stored.startswith(LEGACY_PREFIX):
        return False
    try:
        return check_password_hash(stored, password)
    except ValueError:  # an unknown method in the stored hash
        return False


def password_of(rep: dict[str, Any]) -> str | None:
    for cred in rep.get("credentials") or []:
        if cred.get("type", "password") == "password" and cred.get("value"):
            return str(cred["value"])
    return None
