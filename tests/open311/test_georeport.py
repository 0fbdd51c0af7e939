"""GeoReport v2 per city: every method in JSON and XML, errors, privacy, tenant isolation."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.open311.conftest import from_xml, validate

BASE = "/open311/shijiazhuang/v2"


def post(client, key, fmt="json", base=BASE, **fields):
    form = {
        "api_key": key,
        "service_code": "0105",
        "lat": "38.04",
        "long": "114.51",
        "description": "路灯不亮，晚上很黑，联系13912345678",
        "phone": "13912345678",
        "first_name": "张",
        "last_name": "三",
        **fields,
    }
    return client.post(f"{base}/requests.{fmt}", data={k: v for k, v in form.items() if v is not None})


def test_discovery_json_and_xml(client, two_tenants):
    body = client.get(f"{BASE}/discovery.json").get_json()
    assert body["endpoints"][0]["url"].endswith("/open311/shijiazhuang/v2/")
    root, parsed = from_xml(client.get(f"{BASE}/discovery.xml").data)
    assert root == "discovery" and parsed["endpoints"][0]["formats"] == ["application/json", "text/xml"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_are_the_leaf_categories(client, two_tenants, fmt):
    resp = client.get(f"{BASE}/services.{fmt}")
    assert resp.status_code == 200
    body = resp.get_json() if fmt == "json" else from_xml(resp.data)[1]
    validate("services.json", body)
    for item in body:
        validate("service.json", item)
    codes = {s["service_code"] for s in body}
    assert "0105" in codes and all(len(c) == 4 for c in codes)
    definition = client.get(f"{BASE}/services/0105.{fmt}")
    parsed = definition.get_json() if fmt == "json" else from_xml(definition.data)[1]
    validate("service-definition.json", parsed)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_then_read_back(client, api_key, fmt):
    resp = post(client, api_key(), fmt)
    assert resp.status_code == 201, resp.data
    created = resp.get_json()[0] if fmt == "json" else from_xml(resp.data)[1][0]
    number = created["service_request_id"]
    one = client.get(f"{BASE}/requests/{number}.{fmt}?extensions=true")
    body = one.get_json() if fmt == "json" else from_xml(one.data)[1]
    validate("requests.json", body)
    request = body[0]
    validate("request.json", request)
    assert request["status"] == "open" and request["service_code"] == "0105"
    assert datetime.fromisoformat(request["requested_datetime"]).utcoffset().total_seconds() == 8 * 3600
    text = one.data.decode()
    assert "13912345678" not in text and "张" not in text  # no caller phone or name, even in text
    assert request["notes"][0]["type"] == "received"
    token = client.get(f"{BASE}/tokens/{number}.{fmt}")
    assert token.status_code == 200 and number in token.data.decode()


def test_closed_status_and_filters(client, orders, two_tenants):
    closed = orders.to_state("closed")
    opened = orders.create()
    body = client.get(f"{BASE}/requests.json?status=closed&page_size=1000").get_json()
    validate("requests.json", body)
    numbers = {r["service_request_id"] for r in body}
    assert closed["number"] in numbers and opened["number"] not in numbers
    got = client.get(f"{BASE}/requests.json?service_request_id={closed['number']},{opened['number']}")
    assert {r["status"] for r in got.get_json()} == {"open", "closed"}
    page = client.get(f"{BASE}/requests.json?page_size=1&page=1").get_json()
    assert len(page) == 1
    future = client.get(f"{BASE}/requests.json?updated_after=2099-01-01T00:00:00%2B08:00").get_json()
    assert future == []


def test_confidential_orders_never_appear(client, orders, two_tenants):
    secret = orders.create(confidential=True)
    assert client.get(f"{BASE}/requests/{secret['number']}.json").status_code == 404
    listed = client.get(f"{BASE}/requests.json?service_request_id={secret['number']}").get_json()
    assert listed == []


def test_jurisdiction_form_and_isolation(client, orders, api_key, two_tenants):
    mine = orders.create()
    via_query = client.get(f"/open311/v2/requests/{mine['number']}.json?jurisdiction_id=shijiazhuang")
    assert via_query.status_code == 200
    other = client.get(f"/open311/tangshan/v2/requests/{mine['number']}.json")
    assert other.status_code == 404
    # a key of another city is no key here
    assert post(client, api_key("tangshan")).status_code == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "path, status",
    [
        ("/open311/nowhere/v2/services.{fmt}", 404),
        ("/open311/v2/services.{fmt}", 400),
        (BASE + "/services/9999.{fmt}", 404),
        (BASE + "/requests/NOPE-1.{fmt}", 404),
        (BASE + "/requests.{fmt}?start_date=yesterday", 400),
        (BASE + "/requests.{fmt}?start_date=2026-01-01T00:00:00", 400),
        (BASE + "/requests.{fmt}?status=pending", 400),
        (BASE + "/requests.{fmt}?page_size=0", 400),
    ],
)
def test_errors_have_the_spec_body(client, two_tenants, fmt, path, status):
    resp = client.get(path.format(fmt=fmt))
    assert resp.status_code == status
    body = resp.get_json() if fmt == "json" else from_xml(resp.data)[1]
    assert body[0]["code"] == status and body[0]["description"]


@pytest.mark.parametrize(
    "fields, status",
    [
        ({"api_key": None}, 403),
        ({"api_key": "o311_forged"}, 403),
        ({"service_code": "9999"}, 404),
        ({"service_code": None}, 400),
        ({"lat": None, "long": None}, 400),
        ({"lat": "north"}, 400),
        ({"lat": "95"}, 400),
        ({"description": None}, 400),
        ({"phone": "not-a-phone"}, 400),
    ],
)
def test_post_errors(client, api_key, fields, status):
    key = api_key()
    resp = post(client, key, **fields)
    assert resp.status_code == status, resp.data
    assert resp.get_json()[0]["code"] == status


def test_revoked_and_read_only_keys(client, app, api_key):
    from app.open311 import keys
    from app.open311.models import ApiClient
    from tenants import db

    read_only = api_key(scopes=["open311:read"])
    assert post(client, read_only).status_code == 403
    key = api_key()
    with app.app_context():
        client_row = keys.verify(key, "shijiazhuang")
        keys.revoke(db.session.get(ApiClient, client_row.id))
        db.session.commit()
    assert post(client, key).status_code == 403


def test_unknown_format(client, two_tenants):
    resp = client.get(f"{BASE}/services.csv")
    assert resp.status_code == 400 and resp.get_json()[0]["code"] == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definitions_carry_the_attributes_a_category_needs(client, two_tenants, fmt):
    """供暖 asks for the indoor temperature and the heating type; the list flags it as metadata."""
    listed = client.get(f"{BASE}/services.{fmt}")
    body = listed.get_json() if fmt == "json" else from_xml(listed.data)[1]
    flags = {s["service_code"]: s["metadata"] for s in body}
    assert flags["0403"] in (True, "true") and flags["0105"] in (False, "false")
    resp = client.get(f"{BASE}/services/0403.{fmt}")
    definition = resp.get_json() if fmt == "json" else from_xml(resp.data)[1]
    validate("service-definition.json", definition)
    attrs = {a["code"]: a for a in definition["attributes"]}
    assert set(attrs) == {"indoor_temperature", "heating_type", "since"}
    assert attrs["indoor_temperature"]["datatype"] == "number"
    assert [v["name"] for v in attrs["heating_type"]["values"]] == ["集中供暖", "小区锅炉", "自采暖"]


@pytest.mark.parametrize(
    "attrs, status",
    [
        ({}, 400),  # required attributes missing
        ({"attribute[indoor_temperature]": "warm", "attribute[heating_type]": "1"}, 400),
        ({"attribute[indoor_temperature]": "15", "attribute[heating_type]": "9"}, 400),
        (
            {"attribute[indoor_temperature]": "15", "attribute[heating_type]": "1", "attribute[nope]": "x"},
            400,
        ),
        (
            {
                "attribute[indoor_temperature]": "15",
                "attribute[heating_type]": "1",
                "attribute[since]": "昨天",
            },
            400,
        ),
    ],
)
def test_bad_attributes_are_refused_and_file_nothing(client, api_key, orders, attrs, status):
    before = client.get(f"{BASE}/requests.json?service_code=0403").get_json()
    resp = post(client, api_key(), service_code="0403", description="暖气不热", **attrs)
    assert resp.status_code == status, resp.data
    assert resp.get_json()[0]["code"] == status and "attribute" in resp.get_json()[0]["description"]
    assert client.get(f"{BASE}/requests.json?service_code=0403").get_json() == before


def test_attributes_reach_the_order_for_the_desk(client, app, api_key, orders):
    key = api_key()
    resp = client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": key,
            "service_code": "0502",
            "lat": "38.04",
            "long": "114.51",
            "description": "楼下每天晚上很吵",
            "attribute[source]": ["1", "2"],
            "attribute[period]": "2",
        },
    )
    assert resp.status_code == 201, resp.data
    number = resp.get_json()[0]["service_request_id"]
    request = client.get(f"{BASE}/requests/{number}.json").get_json()[0]
    assert "噪声来源：广场舞、商铺音响" in request["description"]
    assert "发生时段：夜间（22时至次日6时）" in request["description"]
