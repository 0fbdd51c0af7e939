"""The OpenAPI document is enough to integrate from: every operation is described, every request
body has an example, every error status it answers is listed, and the shared parts are used."""

from __future__ import annotations

import pytest

from app.rest.openapi import ROLES_PREFIX

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/openapi.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", path, item[method]


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        _, *parts = node["$ref"].split("/")
        node = spec
        for part in parts:
            node = node[part]
    return node


def missing_examples(spec, schema, where="body") -> list[str]:
    """Where a complete example cannot be assembled from the schema's own examples."""
    schema = resolve(spec, schema)
    if "example" in schema or "examples" in schema or "enum" in schema or "default" in schema:
        return []
    if schema.get("type") == "array" and "items" in schema:
        return missing_examples(spec, schema["items"], where + "[]")
    if "properties" in schema:
        missing = []
        for name, prop in schema["properties"].items():
            if resolve(spec, prop).get("readOnly"):
                continue
            missing += missing_examples(spec, prop, f"{where}.{name}")
        return missing
    if schema.get("type") == "boolean":
        return []
    return [where]


def test_every_operation_has_a_human_description(spec):
    lacking = []
    for name, _, op in operations(spec):
        own = op.get("description", "").split(ROLES_PREFIX, 1)[0].strip()
        if not op.get("summary") or len(own) < 20:
            lacking.append(name)
    assert not lacking, "operations without a summary and a description (docstring body):\n" + "\n".join(
        lacking
    )


def test_every_request_body_has_an_example(spec):
    lacking = []
    for name, _, op in operations(spec):
        body = op.get("requestBody")
        if body is None:
            continue
        for media in body["content"].values():
            if "example" in media or "examples" in media:
                continue
            if gaps := missing_examples(spec, media["schema"]):
                lacking.append(f"{name}: {', '.join(gaps)}")
    assert not lacking, "request bodies without an example:\n" + "\n".join(lacking)


def test_error_statuses_are_listed_and_no_catch_all(spec):
    for name, path, op in operations(spec):
        codes = set(op["responses"])
        assert "default" not in codes, name
        assert "401" in codes, name  # every operation needs a bearer token
        if "{" in path:
            assert "404" in codes, name
        if "{tenant}" in path and not op.get("x-signed-webhook"):
            assert "403" in codes, name
        if "requestBody" in op:
            assert {"400", "413", "422"} <= codes, name
    actions = [
        op
        for name, path, op in operations(spec)
        if name.startswith("POST") and path.rsplit("/", 2)[-2] == "{order_id}" and "/orders/" in path
    ]
    assert actions and all({"409", "412"} <= set(op["responses"]) for op in actions)


def test_operation_ids_are_unique_and_roles_named(spec):
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids))
    for name, _, op in operations(spec):
        if op.get("x-signed-webhook"):  # /channels/ and /integrations/: no user, the sender signs the body
            signed = "X-Signature" in op["description"] or "X-Hotline-Signature" in op["description"]
            assert "401" in op["responses"] and signed, name
            continue
        assert op["x-roles"], name
        assert ROLES_PREFIX in op["description"], name


def test_ids_and_pages_are_bounded_in_the_spec(spec):
    """What the shared converters and pagination enforce is what the document promises."""
    for name, _, op in operations(spec):
        params = op.get("parameters", []) + spec["paths"][name.split(" ", 1)[1]].get("parameters", [])
        for p in params:
            s = p.get("schema", {})
            if p["in"] == "path" and s.get("type") == "integer":
                assert s["minimum"] == 1 and s["maximum"] == 2**63 - 1, (name, p)
            if p["in"] == "query" and p["name"] == "page":
                assert s["maximum"] == 100_000, name


def test_every_api_blueprint_and_schema_is_the_shared_kind(app):
    """New endpoints get the bounds by construction: app.rest.Blueprint and app.rest.Schema."""
    from marshmallow import Schema as PlainSchema

    from app.rest import Blueprint, Schema

    plain = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            blueprint = app.blueprints[rule.endpoint.rsplit(".", 1)[0]]
            assert isinstance(blueprint, Blueprint), f"{rule.rule}: use app.rest.Blueprint"
        view = app.view_functions[rule.endpoint]
        cls = getattr(view, "view_class", None)
        for method in METHODS if cls else ():
            func = getattr(cls, method, None)
            for arg in (getattr(func, "_apidoc", {}) or {}).get("arguments", {}).get("parameters", []):
                schema = arg["schema"]
                schema_cls = schema if isinstance(schema, type) else type(schema)
                if issubclass(schema_cls, PlainSchema) and not issubclass(schema_cls, Schema):
                    plain.append(f"{rule.rule} {method}: {schema_cls.__name__}")
    assert not plain, "argument schemas not derived from app.rest.Schema:\n" + "\n".join(plain)
