"""Open311 fixtures: the published GeoReport v2 schemas, XML-to-JSON, api keys, the orders driver."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource

from tests.orders.conftest import OrdersApi

SCHEMAS = Path("/work/shared/data/open311-georeport-v2")
LISTS = {"services", "service_requests", "errors", "attributes", "values", "notes", "endpoints", "formats"}
NUMBERS = {"lat", "long", "code", "order"}
BOOLS = {"metadata", "variable", "required"}


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        if path.name != "swagger.json":
            contents = json.loads(path.read_text())
            contents.setdefault("$schema", "http://json-schema.org/draft-04/schema#")
            resources.append((path.name, Resource.from_contents(contents)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(name: str, body) -> None:
    schema = REGISTRY.contents(name)
    Draft4Validator(schema, registry=REGISTRY, format_checker=Draft4Validator.FORMAT_CHECKER).validate(body)


def from_xml(text: bytes):
    """Parse the spec's XML into the JSON shape (lists by root name, typed scalars) to check it."""

    def conv(el, parent=None):
        if el.tag in LISTS:
            return [conv(c, el.tag) for c in el]
        if len(el):
            return {c.tag: conv(c, el.tag) for c in el}
        if el.text is None:
            return None
        if el.tag in BOOLS:
            return el.text == "true"
        if el.tag in NUMBERS and not (
            el.tag == "code" and parent == "attribute"
        ):  # an attribute's code is text
            return float(el.text) if "." in el.text else int(el.text)
        return el.text

    root = ET.fromstring(text)
    return root.tag, conv(root)


@pytest.fixture(autouse=True)
def anonymous_limit(app):
    """Every test here is one address: lift the per-address limit (tests of it set their own)."""
    app.config["OPEN311_ANONYMOUS_LIMIT"] = "100000/minute"
    yield
    app.config.pop("OPEN311_ANONYMOUS_LIMIT", None)


@pytest.fixture
def orders(client, auth_headers, two_tenants):
    return OrdersApi(client, auth_headers)


@pytest.fixture
def api_key(app, two_tenants):
    """api_key("shijiazhuang") -> a fresh plain key bound to that city."""
    from app.open311 import keys
    from tenants import db

    def issue(slug: str = "shijiazhuang", scopes=None, rate_limit: str = "100000/minute") -> str:
        with app.app_context():
            _client, key = keys.issue(slug, "test app", scopes, rate_limit)
            db.session.commit()
            return key

    return issue


@pytest.fixture
def api_key_once(api_key):
    """One high-limit key for a whole hypothesis test (fixtures are not re-run per example)."""
    return api_key(rate_limit="100000/minute")
