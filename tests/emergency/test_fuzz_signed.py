"""Signed but arbitrary documents: whatever a platform sends past the signature gets a 4xx or a
2xx, never a 5xx, and the error names what was wrong (hypothesis over mutations of the examples).

The OpenAPI fuzzer (tests/fuzz) cannot sign, so it stops at the 401; this reaches the parser.
"""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations import signing
from integrations.emergency import examples
from tests.emergency.conftest import SJZ
from tests.support.identity import auth

BASE = f"/api/v1/integrations/emergency/{SJZ}"
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=80),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=12,
)


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


def _mutated(doc, data):
    doc = copy.deepcopy(doc)
    paths = list(_paths(doc))
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(paths))
        parent = doc
        try:
            for part in path[:-1]:
                parent = parent[part]
            if data.draw(st.booleans()):
                parent[path[-1]] = data.draw(JSON)
            elif isinstance(parent, dict):
                parent.pop(path[-1], None)
        except (KeyError, IndexError, TypeError):
            continue
    return doc


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_signed_nonsense_is_never_a_server_error(client, app, two_tenants, data):
    from app.emergency import platforms
    from tenants import tenant_context

    with app.app_context(), tenant_context(SJZ):
        secret = platforms.secrets(platforms.get("110"))[0]
    status_doc = data.draw(st.booleans())
    doc = _mutated(examples.STATUS if status_doc else examples.INCIDENT, data)
    body = json.dumps(doc, ensure_ascii=False).encode()
    path = (
        f"{BASE}/incidents/{data.draw(st.from_regex(r'[A-Za-z0-9-]{1,70}', fullmatch=True))}/status"
        if status_doc
        else f"{BASE}/incidents"
    )
    resp = client.post(
        path,
        data=body,
        headers={
            **auth(app, f"client.110@{SJZ}", azp=f"emergency-110-{SJZ}"),
            signing.HEADER: signing.sign(secret, body),
            "Content-Type": "application/json",
        },
    )
    assert resp.status_code in (200, 201, 400, 404, 409, 422), resp.get_data(as_text=True)
    assert resp.get_json()["message"] if resp.status_code >= 400 else True
