"""Open311 lives outside the OpenAPI the schemathesis suite drives, so fuzz it here: no 5xx, ever."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PATHS = st.sampled_from(
    ["discovery", "services", "services/0105", "services/{x}", "requests", "requests/{x}", "tokens/{x}"]
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
PARAMS = st.dictionaries(
    st.sampled_from(
        [
            "start_date",
            "end_date",
            "updated_after",
            "updated_before",
            "status",
            "page",
            "page_size",
            "service_code",
            "service_request_id",
            "extensions",
            "jurisdiction_id",
            "api_key",
        ]
    ),
    TEXT,
    max_size=5,
)
FORM = st.dictionaries(
    st.sampled_from(
        [
            "api_key",
            "service_code",
            "lat",
            "long",
            "address_string",
            "description",
            "phone",
            "first_name",
            "last_name",
            "email",
        ]
    ),
    TEXT,
    max_size=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    path=PATHS,
    x=TEXT,
    fmt=st.sampled_from(["json", "xml", "csv"]),
    params=PARAMS,
    tenant=st.sampled_from(["shijiazhuang", "nowhere", None]),
)
def test_get_never_5xx(client, two_tenants, path, x, fmt, params, tenant):
    from urllib.parse import quote

    base = f"/open311/{tenant}/v2" if tenant else "/open311/v2"
    resp = client.get(f"{base}/{path.format(x=quote(x, safe='') or 'x')}.{fmt}", query_string=params)
    assert resp.status_code < 500, resp.data


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    form=FORM,
    fmt=st.sampled_from(["json", "xml"]),
    use_key=st.booleans(),
    code=st.sampled_from(["0105", None]),
)
def test_post_never_5xx(client, api_key_once, form, fmt, use_key, code):
    if use_key:
        form["api_key"] = api_key_once
    if code:
        form["service_code"] = code
    resp = client.post(f"/open311/shijiazhuang/v2/requests.{fmt}", data=form)
    assert resp.status_code < 500, resp.data


def test_nul_and_control_characters(client, api_key_once):
    """PostgreSQL refuses NUL in text and XML cannot carry control characters: 400, never 5xx."""
    base = "/open311/shijiazhuang/v2"
    assert client.get(f"{base}/requests/%00.json").status_code in (400, 404)
    assert client.get(f"{base}/requests.xml?service_request_id=a%00b").status_code == 400
    assert client.get(f"{base}/services/%00.xml").status_code in (400, 404)
    form = {"api_key": api_key_once, "service_code": "0105", "address_string": "x", "description": "a\x00b"}
    assert client.post(f"{base}/requests.json", data=form).status_code == 400
    form["description"] = "bell\x07 and tab\t"
    created = client.post(f"{base}/requests.json", data=form)
    assert created.status_code == 201
    number = created.get_json()[0]["service_request_id"]
    from xml.etree import ElementTree as ET

    ET.fromstring(client.get(f"{base}/requests/{number}.xml").data)  # well-formed
