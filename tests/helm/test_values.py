"""values.yaml is documented line by line and values.schema.json validates it (and refuses typos)."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from .chart import CHART, ci_values, default_values, merged, setting

SCHEMA = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def errors(values) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(values)]


def test_the_schema_is_a_valid_draft7_schema():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["additionalProperties"] is False


def test_values_yaml_validates_against_the_schema():
    assert errors(default_values()) == []


@pytest.mark.parametrize("name", ["existing-secrets", "inline"])
def test_the_ci_values_files_validate_over_the_defaults(name):
    assert errors(merged(default_values(), ci_values(name))) == []


def test_every_value_in_values_yaml_has_a_comment():
    """A key line needs a comment on the line before it or at its end (lists of scalars inline)."""
    lines = (CHART / "values.yaml").read_text(encoding="utf-8").splitlines()
    key = re.compile(r"^\s*([A-Za-z0-9_.-]+):(\s|$)")
    undocumented = []
    for i, line in enumerate(lines):
        if key.match(line) and "#" not in line and not lines[i - 1].lstrip().startswith("#"):
            undocumented.append(f"{i + 1}: {line.strip()}")
    assert undocumented == []


def test_every_key_of_values_yaml_is_known_to_the_schema():
    """Walk values.yaml and the schema together: no value escapes validation by accident."""

    def walk(value, schema, path):
        schema = resolve(schema)
        if not isinstance(value, dict) or schema.get("type") != "object":
            return []
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        missing = []
        for k, v in value.items():
            if k in props:
                missing += walk(v, props[k], f"{path}.{k}")
            elif isinstance(extra, dict):
                missing += walk(v, extra, f"{path}.{k}")
            elif extra is not True and "additionalProperties" in schema:
                missing.append(f"{path}.{k}")
        return missing

    def resolve(schema):
        while "$ref" in schema:
            schema = SCHEMA["definitions"][schema["$ref"].rsplit("/", 1)[1]]
        if "allOf" in schema:
            return resolve(schema["allOf"][0])
        return schema

    assert walk(default_values(), SCHEMA, "") == []


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        ("web.replica", 3, "web"),  # a typo is refused, not silently ignored
        ("replicaCount", 2, ""),
        ("scheduler.replicas", 2, "scheduler"),  # exactly one scheduler: there is no such value
        ("workers.default.queues", ["default", "mail"], "workers/default/queues/1"),
        ("workers.default.queues", [], "workers/default/queues"),
        ("workers.Bad_Name", {"enabled": True, "queues": ["sla"], "replicas": 1}, "workers"),
        ("image.pullPolicy", "Sometimes", "image/pullPolicy"),
        ("appEnv", "staging", "appEnv"),
        ("publicUrl", "12345.hebei.gov.cn", "publicUrl"),
        ("keycloak.url", "https://sso.example.gov.cn/realms/hotline", "keycloak/url"),
        ("pii.encryptionKey.value", "too-short", "pii/encryptionKey/value"),
        ("pii.hashKey.existingSecretKey", "", "pii/hashKey/existingSecretKey"),
        ("database.port", "5432", "database/port"),
        ("migrations.jobs", 0, "migrations/jobs"),
        ("migrations.lockTimeout", "five seconds", "migrations/lockTimeout"),
        ("web.podDisruptionBudget.minAvailable", "half", "web/podDisruptionBudget/minAvailable"),
        ("extraEnv", [{"value": "x"}], "extraEnv/0"),
    ],
)
def test_the_schema_refuses_bad_values(path, value, where):
    found = errors(setting(default_values(), path, value))
    assert found, f"{path}={value!r} was accepted"
    assert any(e.startswith(f"{where}:") for e in found), found


def test_queue_names_are_the_apps():
    from app.jobs.runner import QUEUES

    group = SCHEMA["definitions"]["workerGroup"]["properties"]["queues"]["items"]["enum"]
    helpers = (CHART / "templates" / "_helpers.tpl").read_text(encoding="utf-8")
    assert set(group) == set(QUEUES)
    quoted = " ".join(f'"{q}"' for q in QUEUES)
    assert f"range list {quoted}" in helpers


def test_a_rotated_pii_key_list_is_accepted():
    values = setting(default_values(), "pii.encryptionKey.value", "A" * 43 + ",B" + "b" * 42 + "=")
    assert errors(values) == []


def test_helm_enforces_the_schema_when_rendering(render, prod_values):
    from .chart import RenderError

    with pytest.raises(RenderError, match="replica"):
        render(setting(prod_values, "web.replica", 3))
