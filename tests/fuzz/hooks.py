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


def _real_values() -> dict[str, list[str]]:
    """Codes that exist in every demo city (the catalogue baseline), for fields the spec can only
    describe by pattern: half the generated values then name a real department or category."""
    import json

    from app.catalog import baseline

    departments = json.loads((baseline.DATA / "departments.json").read_text())["departments"]
    categories = [c["code"] for c in baseline.categories() if c["parent_code"]]
    return {
        "lead_department": [d["code"] for d in departments],
        "assist_departments": [d["code"] for d in departments],
        "category_code": categories,
        "category": categories,
        "to_tenant": ["tangshan", "shijiazhuang"],
    }


@schemathesis.hook
def before_load_schema(context, raw_schema):
    """The fuzzer's copy of the spec only: real codes beside the pattern (``anyOf``)."""
    values = _real_values()
    for schema in raw_schema.get("components", {}).get("schemas", {}).values():
        for name, prop in schema.get("properties", {}).items():
            if name not in values:
                continue
            if prop.get("type") == "array" and "items" in prop:
                prop["items"] = {"anyOf": [{"enum": values[name]}, prop["items"]]}
            elif prop.get("type") == "string":
                schema["properties"][name] = {"anyOf": [{"enum": values[name]}, prop]}
