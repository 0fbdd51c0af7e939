"""Conformance over real HTTP: a GeoReport client's journey, and the PyPI client ``georeport`` as is.

``georeport`` 0.3.1 (an independent wrapper) reads services, definitions and requests in JSON
and XML; it cannot POST requests or read tokens, so those go through plain ``requests``.
"""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

from tests.open311.conftest import from_xml, validate


@pytest.fixture
def city(live_server, two_tenants):
    return f"{live_server.url}/open311/shijiazhuang/v2"


def test_a_georeport_client_journey(city, api_key):
    key = api_key()
    discovery = requests.get(f"{city}/discovery.json", timeout=10).json()
    base = discovery["endpoints"][0]["url"].rstrip("/")
    services = requests.get(f"{base}/services.json", timeout=10).json()
    validate("services.json", services)
    service = next(s for s in services if not s["metadata"])
    form = {
        "api_key": key,
        "service_code": service["service_code"],
        "lat": "38.0428",
        "long": "114.5149",
        "description": "人行道砖松动，雨天溅水",
        "email": "citizen@example.cn",
    }
    created = requests.post(f"{base}/requests.json", data=form, timeout=10)
    assert created.status_code == 201
    number = created.json()[0]["service_request_id"]
    token = requests.get(f"{base}/tokens/{number}.json", timeout=10).json()
    assert token[0]["service_request_id"] == number
    for fmt in ("json", "xml"):
        resp = requests.get(f"{base}/requests/{number}.{fmt}", timeout=10)
        body = resp.json() if fmt == "json" else from_xml(resp.content)[1]
        validate("requests.json", body)
        assert body[0]["lat"] == pytest.approx(38.0428) and body[0]["status"] == "open"
    listed = requests.get(
        f"{base}/requests.json", params={"service_code": service["service_code"]}, timeout=10
    )
    assert number in {r["service_request_id"] for r in listed.json()}
    denied = requests.post(f"{base}/requests.xml", data={**form, "api_key": "wrong"}, timeout=10)
    assert denied.status_code == 403 and from_xml(denied.content)[1][0]["code"] == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_pypi_client_georeport(live_server, city, api_key, fmt):
    number = requests.post(
        f"{city}/requests.json",
        data={
            "api_key": api_key(),
            "service_code": "0105",
            "address_string": "中华大街1号",
            "description": "噪音",
        },
        timeout=10,
    ).json()[0]["service_request_id"]
    per_city = GeoReport(city, output_format=fmt)
    by_jurisdiction = GeoReport(
        f"{live_server.url}/open311/v2", jurisdiction="shijiazhuang", output_format=fmt
    )
    for client in (per_city, by_jurisdiction):
        services = client.get_service_list()
        assert any(s["service_code"] == "0105" for s in services)
        assert client.get_service_definition("0105")["service_code"] == "0105"
        found = client.get_service_requests(service_request_id=number)
        items = found if isinstance(found, list) else [found]  # xmltodict: one element is a dict
        items = [i for i in items if isinstance(i, dict)]
        assert any(i.get("service_request_id") == number for i in items) or number in str(found)
        one = client.get_service_request(number)
        assert number in str(one)
