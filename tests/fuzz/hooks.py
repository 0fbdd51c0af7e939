"""Schemathesis hooks (``SCHEMATHESIS_HOOKS=tests.fuzz.hooks``): real tokens from the dev IdP.

The fuzzer runs in its own process; it asks the IdP for the account named by ``FUZZ_ACCOUNT``
(``user:<username>`` for a password grant, ``client:<client_id>`` for client credentials) through
python-keycloak, and again before the token expires, so a ten-minute run stays authenticated.
"""

from __future__ import annotations

import os

import schemathesis

from tests.support.identity import RealTokens

_tokens: RealTokens | None = None


def token() -> str:
    global _tokens
    if _tokens is None:
        _tokens = RealTokens(os.environ["FUZZ_IDP_URL"])
    kind, _, name = os.environ["FUZZ_ACCOUNT"].partition(":")
    return _tokens.client(name) if kind == "client" else _tokens.user(name)


@schemathesis.auth(refresh_interval=60)
class KeycloakBearer:
    def get(self, case, context):
        return token()

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
