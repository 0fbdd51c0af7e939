"""The isolation matrix: every operation in the OpenAPI spec, called with every role of ANOTHER city.

Generic on purpose: new endpoints are picked up from ``/api/openapi.json`` without editing this
file. Target tenant: shijiazhuang; callers: tangshan's users and service clients. Tenant paths
answer 403/404, province paths never let a city token write, nothing answers 5xx, no call
without a token passes, and the target tenant's tables (and the province's) are unchanged.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import text

from tenants.db import db

TARGET, OTHER = "shijiazhuang", "tangshan"
TENANT_PREFIX = "/api/v1/tenants/{tenant}"
WRITES = {"post", "put", "patch", "delete"}
FOREIGN_USERS = [
    f"{r}@{OTHER}" for r in ("agent", "dispatcher", "city_supervisor", "handler.zjj", "handler.rsj")
]
FOREIGN_CLIENTS = [f"api-demo-{OTHER}", f"emergency-110-{OTHER}", f"emergency-120-{OTHER}"]


def checksum(schemas: tuple[str, ...]) -> dict[str, str]:
    """md5 of every row of every table in ``schemas`` (order-independent), per table."""
    out = {}
    with db.engine.connect() as conn:
        tables = conn.execute(
            text(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema = ANY(:s) AND table_type = 'BASE TABLE' ORDER BY 1, 2"
            ),
            {"s": list(schemas)},
        ).all()
        for schema, table in tables:
            rows = "string_agg(md5(t::text), '' ORDER BY md5(t::text))"
            out[f"{schema}.{table}"] = conn.execute(
                text(f"SELECT count(*) || ':' || coalesce(md5({rows}), '') FROM \"{schema}\".\"{table}\" t")
            ).scalar()
    return out


def _value(param: dict, known_ids: dict[str, str]) -> str:
    schema = param.get("schema") or {}
    name = param["name"]
    if schema.get("enum"):
        return str(schema["enum"][0])
    if name in known_ids:
        return known_ids[name]
    if schema.get("format") == "date" or name in ("day", "date"):
        return "2026-10-01"
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("type") == "integer":
        return "1"
    return "x"


def _operations(spec: dict) -> list[tuple[str, str, dict]]:
    ops = []
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                ops.append((path, method, {**op, "parameters": shared + op.get("parameters", [])}))
    return ops


def _real_ids(client, spec_ops, headers) -> dict[str, str]:
    """Ids that exist in the target tenant, read from its list endpoints (e.g. an order id)."""
    ids = {}
    for path, method, _op in spec_ops:
        match = re.fullmatch(r"(.*)/\{(\w+)\}", path)
        if method != "get" or not match or not path.startswith(TENANT_PREFIX):
            continue
        collection, param = match.groups()
        if "{" in collection.replace("{tenant}", ""):
            continue
        resp = client.get(collection.replace("{tenant}", TARGET), headers=headers)
        items = resp.get_json() if resp.status_code == 200 else None
        if isinstance(items, dict):
            items = items.get("items") or items.get("data")
        if isinstance(items, list) and items and isinstance(items[0], dict) and "id" in items[0]:
            ids[param] = str(items[0]["id"])
    return ids


def test_every_operation_refuses_another_citys_tokens(client, two_tenants, token_for, real_tokens):
    spec = client.get("/api/openapi.json").get_json()
    ops = _operations(spec)
    assert sum(1 for p, _, _ in ops if p.startswith(TENANT_PREFIX + "/")) >= 1
    owner = {"Authorization": f"Bearer {token_for('province.admin')}"}
    known_ids = _real_ids(client, ops, owner)
    callers = {u: token_for(u) for u in FOREIGN_USERS} | {c: real_tokens.client(c) for c in FOREIGN_CLIENTS}
    schemas = ("t_" + TARGET, "province")
    failures: list[str] = []
    before = checksum(schemas)

    for path, method, op in ops:
        if op.get("security") == []:  # declared public in the spec: no token, no tenant to defend
            continue
        url = path.replace("{tenant}", TARGET)
        for param in op["parameters"]:
            if param.get("in") == "path" and param["name"] != "tenant":
                url = url.replace("{" + param["name"] + "}", _value(param, known_ids))
        body = {"json": {}} if method in WRITES else {}
        label = f"{method.upper()} {path}"

        anonymous = client.open(url, method=method.upper(), **body)
        if anonymous.status_code != 401:
            failures.append(f"{label} without a token: {anonymous.status_code}")
        for who, token in callers.items():
            resp = client.open(
                url, method=method.upper(), headers={"Authorization": f"Bearer {token}"}, **body
            )
            status = resp.status_code
            if status >= 500:
                failures.append(f"{label} as {who}: {status}")
            elif path.startswith(TENANT_PREFIX) and status not in (403, 404):
                failures.append(f"{label} as {who}: {status}, expected 403/404")
            elif method in WRITES and 200 <= status < 300:
                failures.append(f"{label} as {who}: {status}, a city token wrote to the province layer")
        if method in WRITES:
            after = checksum(schemas)
            changed = [t for t in after if after[t] != before.get(t)]
            if changed:
                failures.append(f"{label} changed {changed}")
                before = after

    assert checksum(schemas) == before
    print(f"isolation matrix: {len(ops)} operations x {len(callers)} foreign callers, ids {known_ids}")
    assert not failures, "\n".join(failures)
